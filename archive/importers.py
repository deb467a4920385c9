"""Find messages in files: single .eml/.msg files, directories, mbox files, Maildir folders.

Formats are recognised by content, not by name. A file named on the command line is always
imported; in a directory walk, files that do not look like mail are skipped and reported.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.filetype import OLE_MAGIC

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
# An mbox separator: "From " + sender + asctime date (strict, so body lines are not split).
_FROM_LINE = re.compile(
    rb"^From \S*\s+(?:[A-Z][a-z]{2} )?[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d(?::\d\d)? "
    rb"(?:[A-Z]{3,4} )?\d{4}"
)
_ESCAPED_FROM = re.compile(rb"^>+From ")
_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096
MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mbx"}


@dataclass(frozen=True)
class ImportItem:
    """One message found (``raw``), or one file that was not read (``error``/``skipped``)."""

    ref: str
    fmt: str
    size: int
    raw: bytes | None = None
    error: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class PlanEntry:
    path: Path
    fmt: str  # eml | msg | mbox | maildir | skip | error (unsniffed while sizing: "")
    size: int
    note: str | None = None


@dataclass(frozen=True)
class Plan:
    """What an import will read: the paths named, walked again each time it is iterated.

    Only the total size is kept (for a progress bar), not the entries: a Maildir of a
    million messages would otherwise hold a million of them (~800 bytes each) for the whole
    import. A directory's file names are held, sorted, while that directory is walked.
    """

    paths: tuple[Path, ...]
    total_bytes: int

    def __iter__(self) -> Iterator[PlanEntry]:
        return _entries(self.paths, sniffing=True)


def plan(paths: list[Path]) -> Plan:
    """The plan for ``paths``, with their total size. Raises FileNotFoundError."""
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(str(path))
    found = tuple(paths)
    return Plan(found, sum(e.size for e in _entries(found, sniffing=False)))


def _entries(paths: tuple[Path, ...], sniffing: bool) -> Iterator[PlanEntry]:
    for path in paths:
        if path.is_dir():
            yield from _plan_dir(path, sniffing)
        else:
            yield _plan_file(path, True, sniffing)


def _plan_dir(root: Path, sniffing: bool) -> Iterator[PlanEntry]:
    if is_maildir(root):
        yield from _plan_maildir(root)
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        maildirs = [d for d in dirnames if is_maildir(here / d)]
        for d in maildirs:
            yield from _plan_maildir(here / d)
        dirnames[:] = [d for d in dirnames if d not in maildirs]
        for name in sorted(filenames):
            if not name.startswith("."):
                yield _plan_file(here / name, False, sniffing)


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _plan_maildir(root: Path) -> Iterator[PlanEntry]:
    """A Maildir and its Maildir++ subfolders (``.Sent``, ``.Th&AbA- &AREA4w- g&Ah0-i`` …)."""
    folders = [
        root,
        *sorted(
            p for p in root.iterdir() if p.name.startswith(".") and p.is_dir() and is_maildir(p)
        ),
    ]
    for folder in folders:
        for sub in ("cur", "new"):
            here = folder / sub
            with os.scandir(here) as listing:
                names = sorted(e.name for e in listing if not e.name.startswith("."))
            for name in names:
                path = here / name
                try:
                    found = path.stat()
                except OSError:
                    continue  # delivered elsewhere (moved or expunged) meanwhile
                if stat.S_ISREG(found.st_mode):
                    yield PlanEntry(path, "maildir", found.st_size)


def _plan_file(path: Path, explicit: bool, sniffing: bool = True) -> PlanEntry:
    size = _size(path)
    if not sniffing:
        return PlanEntry(path, "", size)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except OSError as exc:
        return PlanEntry(path, "error", size, f"cannot read: {exc.strerror}")
    fmt = sniff(head, path.suffix.lower())
    if fmt is None:
        if explicit:
            return PlanEntry(path, "eml", size)
        return PlanEntry(path, "skip", size, "does not look like a message")
    return PlanEntry(path, fmt, size)


def sniff(head: bytes, suffix: str = "") -> str | None:
    """``eml``, ``msg``, ``mbox`` or None from the first bytes of a file."""
    if head.startswith(OLE_MAGIC):
        return "msg" if suffix in (".msg", "") or b"_\x00_\x00s\x00u\x00b" in head else None
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    text = text.lstrip(b"\r\n")
    if _FROM_LINE.match(text):
        return "mbox" if _looks_like_mbox(head, suffix) else "eml"
    if _HEADER_LINE.match(text) or text.startswith(b"From "):
        return "eml"
    if suffix in (".eml",):
        return "eml"
    return None


def _looks_like_mbox(head: bytes, suffix: str) -> bool:
    if suffix in (".mbox", ".mbx") or suffix == "":
        return True
    return any(_FROM_LINE.match(line) for line in head.split(b"\n")[1:])


def read(entries: Iterable[PlanEntry]) -> Iterator[ImportItem]:
    """The messages of a plan, one at a time (an mbox is streamed, never loaded whole)."""
    for entry in entries:
        ref = str(entry.path)
        if entry.fmt == "skip":
            yield ImportItem(ref, "skip", entry.size, skipped=entry.note)
        elif entry.fmt == "error":
            yield ImportItem(ref, "error", entry.size, error=entry.note)
        elif entry.fmt == "mbox":
            yield from _read_mbox(entry)
        else:
            try:
                raw = entry.path.read_bytes()
            except OSError as exc:
                yield ImportItem(ref, entry.fmt, entry.size, error=f"cannot read: {exc.strerror}")
                continue
            yield ImportItem(ref, entry.fmt, entry.size, raw=raw)


def _read_mbox(entry: PlanEntry) -> Iterator[ImportItem]:
    ref = str(entry.path)
    try:
        fh = open(entry.path, "rb")  # noqa: SIM115 - closed below, streamed meanwhile
    except OSError as exc:
        yield ImportItem(ref, "mbox", entry.size, error=f"cannot read: {exc.strerror}")
        return
    with fh:
        lines: list[bytes] = []
        consumed = 0
        index = 0
        previous_blank = True
        for line in fh:
            if previous_blank and _FROM_LINE.match(line):
                if lines:
                    index += 1
                    yield _mbox_item(ref, index, lines, consumed)
                    consumed = 0
                lines = []
                consumed += len(line)
                previous_blank = False
                continue
            consumed += len(line)
            previous_blank = line in (b"\n", b"\r\n")
            lines.append(line[1:] if _ESCAPED_FROM.match(line) else line)
        if lines:
            index += 1
            yield _mbox_item(ref, index, lines, consumed)


def _mbox_item(ref: str, index: int, lines: list[bytes], consumed: int) -> ImportItem:
    if lines and lines[-1] in (b"\n", b"\r\n"):  # the blank line before the next separator
        lines = lines[:-1]
    return ImportItem(f"{ref}#{index}", "mbox", consumed, raw=b"".join(lines))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
