"""The durable spool, in the manner of Mailman's switchboard.

One file per message and queue: a first line of JSON metadata, then the raw message. A file
is written under ``tmp/``, flushed, and linked into its queue directories (``relay``,
``quarantine``, ``archive``) before the client hears ``250``; ``stage`` and ``publish`` do
that for many sessions together (group commit: one directory flush per queue and batch). A
worker renames a file to ``.bak`` while it works on it; at start-up ``recover`` puts every
``.bak`` back, counting a crash, and parks a message that crashed ``max_crashes`` times in
``bad/`` where ``govmail spool`` lists and requeues it. Relay file names start with the time
of the next attempt, so finding due work never reads a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.durable import fsync_dir

MAGIC = b"GMSPOOL1 "
QUEUES = ("relay", "quarantine", "archive", "bad")
SUFFIX = ".msg"
WORKING = ".bak"
UNREADABLE = ".unreadable"  # a working copy that could not be read at start-up, in bad/


def queue_expired(meta: SpoolMeta, now: float, give_up_hours: float) -> bool:
    """Past the queue lifetime, counted from arrival or from release out of quarantine
    (time held for an admin's decision is not the next hop's fault)."""
    return now - max(meta.received_at, meta.released_at) > give_up_hours * 3600


def new_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:12]


@dataclass
class SpoolMeta:
    id: str
    mail_from: str
    rcpt_to: list[str]
    kind: str = "mail"  # mail | bounce | notice
    pending: list[str] = field(default_factory=list)  # recipients not delivered yet
    received_at: float = field(default_factory=time.time)
    released_at: float = 0.0  # out of quarantine: the queue lifetime counts from then
    client_ip: str = ""
    helo: str = ""
    direction: str | None = None
    action: str = "accept"
    rule: str = "default"
    reason_vi: str = ""
    reason_en: str = ""
    dkim_result: str | None = None
    attempts: int = 0
    next_attempt: float = 0.0
    crashes: int = 0
    last_error: str = ""
    origin: str = ""  # the queue a parked message came from
    subject: str = ""

    def __post_init__(self) -> None:
        if not self.pending:
            self.pending = list(self.rcpt_to)


@dataclass
class SpoolEntry:
    meta: SpoolMeta
    raw: bytes
    path: Path | None = None

    def encode(self) -> bytes:
        # the fields are plain values and lists of strings: no deep copy (``asdict``) needed
        head = json.dumps(vars(self.meta), ensure_ascii=True, separators=(",", ":"))
        return MAGIC + head.encode("ascii") + b"\n" + self.raw


def decode(data: bytes, path: Path | None = None) -> SpoolEntry:
    """Raises ValueError (naming the file) for anything that is not a whole spool file."""
    if not data.startswith(MAGIC):
        raise ValueError(f"{path}: not a govmail spool file")
    head, newline, raw = data[len(MAGIC) :].partition(b"\n")
    try:
        fields = json.loads(head)
        if not newline or not isinstance(fields, dict):
            raise ValueError("no metadata line")
        meta = SpoolMeta(**fields)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: damaged spool file ({exc})") from None
    return SpoolEntry(meta, raw, path)


def entry_id_of(path: Path, queue: str) -> str:
    """The message id in a queue file's name (relay names start with the due time)."""
    stem = path.name.rsplit(".", 1)[0]
    return stem.split("-", 1)[-1] if queue == "relay" else stem


def _due(name: str) -> int | None:
    """The due time at the start of a relay file name; None for a name govmail did not write."""
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


class Spool:
    def __init__(self, root: Path, fsync: bool = True, max_crashes: int = 3):
        self.root = Path(root)
        self.fsync = fsync
        self.max_crashes = max_crashes
        for name in (*QUEUES, "tmp"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def dir(self, queue: str) -> Path:
        return self.root / queue

    @property
    def lock_path(self) -> Path:
        """Worker processes hold this shared while alive (``gateway.worker_main``)."""
        return self.root / "lock"

    @contextlib.contextmanager
    def exclusive(self, timeout: float) -> Iterator[None]:
        """Held while recovering: workers left by a gateway that died finish first."""
        with open(self.lock_path, "a+b") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{self.lock_path}: still held by worker processes of an "
                            f"earlier gateway after {timeout:.0f} s"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- writing --------------------------------------------------------------------
    def write_batch(self, items: list[tuple[SpoolEntry, tuple[str, ...]]]) -> list[Path]:
        """Make every entry durable in its queues with one flush; returns the first paths."""
        return self.publish(items, self.stage(items))

    def stage(self, items: list[tuple[SpoolEntry, tuple[str, ...]]]) -> list[Path]:
        """Write each entry under ``tmp/`` (not flushed, not yet visible to workers).

        Cheap enough to run on the event loop: a thread would have to take the interpreter
        lock back after every one of these system calls."""
        temps = []
        for entry, _queues in items:
            tmp = self.root / "tmp" / f"{entry.meta.id}{SUFFIX}"
            with open(tmp, "wb") as fh:
                fh.write(entry.encode())
            temps.append(tmp)
        return temps

    def publish(
        self, items: list[tuple[SpoolEntry, tuple[str, ...]]], temps: list[Path]
    ) -> list[Path]:
        """Flush the staged entries, link them into their queues, flush the queues.

        Each file is flushed on its own (``fdatasync``): a file-system-wide ``syncfs``
        would also wait for everything the archive and relay processes have written."""
        if self.fsync:
            for tmp in temps:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fdatasync(fd)
                finally:
                    os.close(fd)
        touched: set[Path] = set()
        firsts = []
        for (entry, queues), tmp in zip(items, temps, strict=True):
            first = None
            for queue in queues:
                target = self.dir(queue) / self.file_name(entry, queue)
                os.link(tmp, target)
                touched.add(target.parent)
                first = first or target
            os.unlink(tmp)
            entry.path = first
            firsts.append(first)
        if self.fsync:
            for directory in touched:
                fsync_dir(directory)
        return firsts

    def put(self, entry: SpoolEntry, *queues: str) -> Path:
        return self.write_batch([(entry, queues)])[0]

    @staticmethod
    def file_name(entry: SpoolEntry, queue: str) -> str:
        if queue == "relay":
            return f"{int(entry.meta.next_attempt):010d}-{entry.meta.id}{SUFFIX}"
        return f"{entry.meta.id}{SUFFIX}"

    # -- reading and working ----------------------------------------------------------
    def files(self, queue: str, due_before: float | None = None) -> list[Path]:
        """Queue files in order; for ``relay`` only those due before ``due_before``."""
        names = sorted(n for n in os.listdir(self.dir(queue)) if n.endswith(SUFFIX))
        if due_before is not None:
            names = [n for n in names if (due := _due(n)) is not None and due <= due_before]
        return [self.dir(queue) / n for n in names]

    def read(self, path: Path) -> SpoolEntry:
        return decode(path.read_bytes(), path)

    def find(self, queue: str, entry_id: str) -> Path | None:
        """The file of message ``entry_id`` (the whole id, never a part of it)."""
        for path in self.dir(queue).iterdir():
            if path.name.endswith(SUFFIX) and entry_id_of(path, queue) == entry_id:
                return path
        return None

    def damaged(self, queue: str) -> list[tuple[Path, str]]:
        """Files in ``queue`` that cannot be read as messages, with why (kept, never deleted)."""
        found = []
        for path in sorted(self.dir(queue).iterdir()):
            if path.name.endswith(UNREADABLE):
                found.append((path, f"{path}: unreadable (parked at start-up)"))
            elif path.name.endswith(SUFFIX):
                try:
                    self.read(path)
                except (OSError, ValueError) as exc:
                    found.append((path, str(exc)))
        return found

    def claim(self, path: Path) -> Path | None:
        """Rename to ``.bak`` while working; None if another worker took it first."""
        bak = path.with_suffix(WORKING)
        try:
            os.rename(path, bak)
        except FileNotFoundError:
            return None
        return bak

    def unclaim(self, bak: Path) -> Path:
        """Put a claimed file back unchanged (the work was broken off, it did not fail)."""
        path = bak.with_suffix(SUFFIX)
        os.rename(bak, path)
        return path

    def done(self, bak: Path) -> None:
        """The work is finished: the file goes, durably."""
        self.done_many([bak])

    def done_many(self, baks: list[Path]) -> None:
        """A finished batch goes with one directory flush per queue, not one per file."""
        touched: set[Path] = set()
        for bak in baks:
            try:
                os.unlink(bak)
            except FileNotFoundError:
                continue
            touched.add(bak.parent)
        if self.fsync:
            for directory in touched:
                fsync_dir(directory)

    def replace(self, entry: SpoolEntry, queue: str, bak: Path | None) -> Path:
        """Write ``entry`` (new metadata) into ``queue`` and drop the working copy."""
        path = self.put(entry, queue)
        if bak is not None:
            self.done(bak)
        return path

    def park(self, entry: SpoolEntry, origin: str, error: str, bak: Path | None) -> Path:
        """Move a message that cannot be processed to ``bad/``, recording where it was."""
        entry.meta.origin = origin
        entry.meta.last_error = error[:2000]
        return self.replace(entry, "bad", bak)

    def recover(self) -> dict[str, int]:
        """Put back every ``.bak`` left by a crash; park those that crashed too often."""
        counts = {"recovered": 0, "parked": 0}
        for queue in ("relay", "archive", "quarantine"):
            present = {entry_id_of(p, queue) for p in self.files(queue)}
            for bak in sorted(self.dir(queue).glob(f"*{WORKING}")):
                if entry_id_of(bak, queue) in present:
                    self.done(bak)  # ``replace`` had written the new state: this is stale
                    continue
                try:
                    entry = self.read(bak)
                except (OSError, ValueError) as exc:
                    os.rename(bak, self.dir("bad") / (bak.stem + UNREADABLE))
                    counts["parked"] += 1
                    del exc
                    continue
                entry.meta.crashes += 1
                if entry.meta.crashes >= self.max_crashes:
                    self.park(entry, queue, f"crashed {entry.meta.crashes} times", bak)
                    counts["parked"] += 1
                else:
                    self.replace(entry, queue, bak)
                    counts["recovered"] += 1
        for tmp in (self.root / "tmp").iterdir():
            tmp.unlink(missing_ok=True)  # never acknowledged: the client will resend
        return counts

    def requeue(self, entry_id: str) -> Path | None:
        """Move a parked message back to the queue it came from, crash count reset."""
        path = self.find("bad", entry_id)
        if path is None:
            return None
        entry = self.read(path)
        queue = entry.meta.origin if entry.meta.origin in QUEUES[:3] else "relay"
        entry.meta.crashes = 0
        entry.meta.next_attempt = 0.0
        entry.meta.last_error = ""
        new = self.put(entry, queue)
        self.done(path)
        return new

    def entries(self, queue: str) -> Iterator[SpoolEntry]:
        for path in self.files(queue):
            try:
                yield self.read(path)
            except (OSError, ValueError):
                continue
