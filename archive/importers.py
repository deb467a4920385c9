"""Find messages in files: single .eml/.msg files, directories, mbox files, Maildir folders,
tar and ZIP archives of them (a Zimbra or mail-client export); gzip/bzip2/xz-compressed
files are read through their decompressor.

Formats are recognised by content, not by name. A file named on the command line is always
imported (unless empty, or a pipe or device); in a directory walk, files that do not look like
mail, links to folders and pipes are skipped and reported.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import lzma
import os
import re
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive.filetype import OLE_MAGIC, ZIP_READ_ERRORS

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
# A field every message carries one of; a first line like '{"folder":' alone (a JSON file)
# also has the shape of a header line.
_MAIL_FIELD = re.compile(
    rb"^(?:from|to|cc|date|subject|message-id|received|return-path|delivered-to|sender|"
    rb"reply-to|mime-version|content-type|x-[!-9;-~]+)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
# An mbox separator: "From " + sender + asctime date (strict, so body lines are not split),
# with the zone a name (ICT) or, as in a Google Takeout export, a number (+0000).
_FROM_LINE = re.compile(
    rb"^From \S*\s+(?:[A-Z][a-z]{2} )?[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d(?::\d\d)? "
    rb"(?:[A-Z]{3,4} |[+-]\d{4} )?\d{4}"
)
_ESCAPED_FROM = re.compile(rb"^>+From ")
_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096
MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mbx"}
# Compressed files by their first bytes, and the stdlib reader that streams them.
_PACKERS: dict[bytes, Callable[[BinaryIO], BinaryIO]] = {  # closed with the file they wrap
    b"\x1f\x8b": lambda fh: gzip.GzipFile(fileobj=fh),
    b"BZh": lambda fh: bz2.BZ2File(fh),
    b"\xfd7zXZ\x00": lambda fh: lzma.LZMAFile(fh),  # noqa: SIM115
}
_PACKED_SUFFIXES = {".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz"}
_UNPACK_ERRORS = (OSError, EOFError, lzma.LZMAError, ValueError)  # truncated or corrupt


@dataclass(frozen=True)
class ImportItem:
    """One message found (``raw``), or one file that was not read (``error``/``skipped``)."""

    ref: str
    fmt: str
    size: int
    raw: bytes | None = None
    error: str | None = None
    skipped: str | None = None

    def __post_init__(self) -> None:
        # A file name that is not UTF-8 (an old Windows share, cp1258) reaches Python with
        # surrogates that no database or terminal accepts: keep its bytes visible instead.
        object.__setattr__(self, "ref", printable(self.ref))


def printable(name: str) -> str:
    """``name`` with the undecodable bytes of a file name shown as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class PlanEntry:
    path: Path
    fmt: str  # eml | msg | mbox | tar | zip | maildir | skip | error (unsniffed: "")
    size: int
    note: str | None = None
    packed: bool = False  # compressed on disk: read through its decompressor


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
    unlisted: list[OSError] = []  # os.walk only reports a folder it cannot list
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted.append):
        yield from _unlisted(unlisted)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        maildirs = [d for d in dirnames if is_maildir(here / d)]
        for d in maildirs:
            yield from _plan_maildir(here / d)
        dirnames[:] = [d for d in dirnames if d not in maildirs]
        for d in [d for d in dirnames if (here / d).is_symlink()]:
            yield PlanEntry(here / d, "skip", 0, _LINKED_DIR)
        for name in sorted(filenames):
            if not name.startswith("."):
                yield _plan_file(here / name, False, sniffing)
    yield from _unlisted(unlisted)


def _unlisted(errors: list[OSError]) -> Iterator[PlanEntry]:
    """Folders that could not be listed, as errors: their mail must not go unmentioned."""
    while errors:
        exc = errors.pop(0)
        yield PlanEntry(Path(exc.filename), "error", 0, f"cannot list folder: {exc.strerror}")


# os.walk does not follow links to folders (a link loop would never end): say so, instead
# of leaving the mail behind them out without a word.
_LINKED_DIR = "a link to a folder, not followed (name it on the command line to import it)"


def is_maildir(path: Path) -> bool:
    """new/ beside cur/ or tmp/: a mailbox no client has opened yet may have no cur/, and
    its tmp/ holds deliveries still being written, never to be imported."""
    return (path / "new").is_dir() and ((path / "cur").is_dir() or (path / "tmp").is_dir())


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
            if sub == "cur" and not here.exists():  # never opened by a mail client
                continue
            try:
                with os.scandir(here) as listing:
                    names = sorted(e.name for e in listing if not e.name.startswith("."))
            except OSError as exc:
                yield PlanEntry(here, "error", 0, f"cannot list folder: {exc.strerror}")
                continue
            for name in names:
                path = here / name
                try:
                    found = path.stat()
                except OSError:
                    continue  # delivered elsewhere (moved or expunged) meanwhile
                if stat.S_ISREG(found.st_mode):
                    yield PlanEntry(path, "maildir", found.st_size)


def _plan_file(path: Path, explicit: bool, sniffing: bool = True) -> PlanEntry:
    try:
        found = path.stat()
    except OSError as exc:
        return PlanEntry(path, "error", 0, f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(found.st_mode):
        return _not_regular(path, explicit)
    size = found.st_size
    if size == 0:  # not an empty message to archive: there is no message
        return PlanEntry(path, "skip", 0, "empty file")
    if not sniffing:
        return PlanEntry(path, "", size)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
            packed = _packer(head)
            if packed:
                fh.seek(0)
                head = _unpacked_head(packed(fh))
    except OSError as exc:
        return PlanEntry(path, "error", size, f"cannot read: {exc.strerror}")
    suffix = path.suffix.lower()
    if packed:
        suffix = Path(path.stem).suffix.lower() if suffix in _PACKED_SUFFIXES else ""
    if _is_tar(head):
        fmt = "tar"
    elif head.startswith(b"PK\x03\x04") and not packed:
        fmt = "zip" if _zip_holds_mail(path) else None
    else:
        fmt = sniff(head, suffix)
    if fmt is not None and packed:
        return PlanEntry(path, fmt, size, packed=True)
    if fmt is None:
        if explicit:
            return PlanEntry(path, "eml", size)
        return PlanEntry(path, "skip", size, "does not look like a message")
    return PlanEntry(path, fmt, size)


def _not_regular(path: Path, explicit: bool) -> PlanEntry:
    """A FIFO, socket or device is never opened: a FIFO with no writer blocks the import
    for ever, and a pipe cannot be read twice (sniffed, then read)."""
    if explicit:
        note = "not a regular file (a pipe or device): save it to a file and import that"
        return PlanEntry(path, "error", 0, note)
    return PlanEntry(path, "skip", 0, "not a regular file (a pipe, socket or device)")


def sniff(head: bytes, suffix: str = "") -> str | None:
    """``eml``, ``msg``, ``mbox`` or None from the first bytes of a file."""
    if head.startswith(OLE_MAGIC):
        return "msg" if suffix in (".msg", "") or b"_\x00_\x00s\x00u\x00b" in head else None
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    text = text.lstrip(b"\r\n")
    if _FROM_LINE.match(text):
        return "mbox" if _looks_like_mbox(head, suffix) else "eml"
    if (_HEADER_LINE.match(text) and _MAIL_FIELD.search(text)) or text.startswith(b"From "):
        return "eml"
    if suffix in (".eml",):
        return "eml"
    return None


def _packer(head: bytes) -> Callable[[BinaryIO], BinaryIO] | None:
    return next((opener for magic, opener in _PACKERS.items() if head.startswith(magic)), None)


def _unpacked_head(stream: BinaryIO) -> bytes:
    """The first bytes of a compressed file, or b"" if it is not what its magic says."""
    try:
        return stream.read(_SNIFF)
    except _UNPACK_ERRORS:
        return b""


def _zip_holds_mail(path: Path, look_at: int = 20) -> bool:
    """A ZIP of messages (an export), not a document or a ZIP of documents."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()][:look_at]
            for info in members:
                suffix = Path(info.filename).suffix.lower()
                if _encrypted(info):  # cannot be sniffed: judged by its name
                    if suffix in MAIL_SUFFIXES:
                        return True
                    continue
                with zf.open(info) as fh:
                    if sniff(fh.read(_SNIFF), suffix):
                        return True
    except ZIP_READ_ERRORS:
        return False
    return False


def _is_tar(head: bytes) -> bool:
    if head[257:262] != b"ustar":
        return False
    try:  # a first header whose checksum holds, not mail that happens to say "ustar"
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def _looks_like_mbox(head: bytes, suffix: str) -> bool:
    if suffix in (".mbox", ".mbx") or suffix == "":
        return True
    return any(_FROM_LINE.match(line) for line in head.split(b"\n")[1:])


def read(entries: Iterable[PlanEntry], ceiling: int | None = None) -> Iterator[ImportItem]:
    """The messages of a plan, one at a time (an mbox is streamed, never loaded whole).

    A message over ``ceiling`` bytes (decompressed) is reported, not loaded: a 5 GB file
    named .eml, or a small .gz that expands without end, must not exhaust the memory."""
    for entry in entries:
        ref = str(entry.path)
        if entry.fmt == "skip":
            yield ImportItem(ref, "skip", entry.size, skipped=entry.note)
        elif entry.fmt == "error":
            yield ImportItem(ref, "error", entry.size, error=entry.note)
        elif entry.fmt in ("mbox", "tar") or entry.packed:
            yield from _read_stream(entry, ceiling)
        elif entry.fmt == "zip":
            yield from _zip_items(entry, ceiling)
        elif ceiling is not None and entry.size > ceiling:
            yield ImportItem(ref, entry.fmt, entry.size, error=_too_big(ceiling))
        else:
            try:
                raw = entry.path.read_bytes()
            except OSError as exc:
                yield ImportItem(ref, entry.fmt, entry.size, error=f"cannot read: {exc.strerror}")
                continue
            yield ImportItem(ref, entry.fmt, entry.size, raw=raw)


def _too_big(ceiling: int) -> str:
    return f"not read: a message of over {ceiling:,} bytes (twice limits.max_message_bytes)"


def _read_stream(entry: PlanEntry, ceiling: int | None) -> Iterator[ImportItem]:
    """An mbox or tar file, or a compressed message, streamed: a bad byte half-way through
    (a truncated download) ends that file with an error item, not the import."""
    ref = str(entry.path)
    try:
        fh = open(entry.path, "rb")  # noqa: SIM115 - closed below, streamed meanwhile
    except OSError as exc:
        yield ImportItem(ref, entry.fmt, entry.size, error=f"cannot read: {exc.strerror}")
        return
    with fh:
        opener = _packer(fh.read(_SNIFF)) if entry.packed else None
        fh.seek(0)
        source = opener(fh) if opener else fh
        position = _Position(fh)
        try:
            if entry.fmt == "tar":
                yield from _tar_items(ref, source, position, ceiling)
            elif entry.fmt == "mbox":
                yield from _mbox_items(ref, source, position, ceiling)
            else:
                yield _whole_message(ref, entry.fmt, source, ceiling, lambda: entry.size)
        except (*_UNPACK_ERRORS, tarfile.TarError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            yield ImportItem(ref, entry.fmt, position.step(), error=f"cannot read: {detail}")


class _Position:
    """Bytes of the file on disk read since the last item: the progress of a stream whose
    decompressed size is unknown until its end."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.done = 0

    def step(self) -> int:
        now = self.fh.tell()
        step, self.done = max(now - self.done, 0), now
        return step


def _mbox_items(
    ref: str, fh: BinaryIO, position: _Position | _Once, ceiling: int | None = None
) -> Iterator[ImportItem]:
    lines: list[bytes] = []
    held = 0  # bytes in lines; past the ceiling the message's lines are dropped
    index = 0
    previous_blank = True
    for line in fh:
        if previous_blank and _FROM_LINE.match(line):
            if lines or held:
                index += 1
                yield _mbox_item(ref, index, lines, position, held, ceiling)
            lines, held = [], 0
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        held += len(line)
        if ceiling is not None and held > ceiling:
            lines = []
        else:
            lines.append(line[1:] if _ESCAPED_FROM.match(line) else line)
    if lines or held:
        index += 1
        yield _mbox_item(ref, index, lines, position, held, ceiling)


def _mbox_item(
    ref: str,
    index: int,
    lines: list[bytes],
    position: _Position | _Once,
    held: int,
    ceiling: int | None,
) -> ImportItem:
    if ceiling is not None and held > ceiling:
        return ImportItem(f"{ref}#{index}", "mbox", position.step(), error=_too_big(ceiling))
    if lines and lines[-1] in (b"\n", b"\r\n"):  # the blank line before the next separator
        lines = lines[:-1]
    return ImportItem(f"{ref}#{index}", "mbox", position.step(), raw=b"".join(lines))


def _tar_items(
    ref: str, fh: BinaryIO, position: _Position, ceiling: int | None
) -> Iterator[ImportItem]:
    """The mail in a tar archive, member by member (a Zimbra export holds .eml files and
    .meta files beside them; what does not look like mail is reported as skipped)."""
    seen: set[str] = set()
    with tarfile.open(fileobj=fh, mode="r|") as tar:
        for member in tar:
            member_fh = tar.extractfile(member) if member.isfile() else None
            if member_fh is None:
                continue
            name = member.name if member.name not in seen else f"{member.name}@{len(seen)}"
            seen.add(name)
            head = member_fh.peek(_SNIFF)[:_SNIFF]
            yield from _member_items(ref, name, "tar", member_fh, head, position, ceiling)


def _zip_items(entry: PlanEntry, ceiling: int | None) -> Iterator[ImportItem]:
    """The mail in a ZIP export, member by member. The last item also carries what is left
    of the file's size (headers, central directory), so the progress ends at 100 %."""
    ref = str(entry.path)
    done = 0
    held: ImportItem | None = None  # one behind, to give the rest of the size to the last
    try:
        with zipfile.ZipFile(entry.path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                for item in _zip_member_items(ref, zf, info, ceiling):
                    done += item.size
                    if held:
                        yield held
                    held = item
    except ZIP_READ_ERRORS as exc:
        if held:
            yield held
        yield ImportItem(ref, "zip", max(entry.size - done, 0), error=f"cannot read: {exc}")
        return
    if held:
        yield dataclasses.replace(held, size=held.size + max(entry.size - done, 0))


def _zip_member_items(
    ref: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, ceiling: int | None
) -> Iterator[ImportItem]:
    if _encrypted(info):  # zipfile would raise RuntimeError: no password is asked for
        note = "encrypted: unpack it with its password and import the files"
        yield ImportItem(f"{ref}#{info.filename}", "zip", info.compress_size, error=note)
        return
    with zf.open(info) as member_fh:
        head = member_fh.read(_SNIFF)  # (its peek gives at most 512 bytes)
        member_fh.seek(0)
        sizes = _Once(info.compress_size)
        yield from _member_items(ref, info.filename, "zip", member_fh, head, sizes, ceiling)


def _encrypted(info: zipfile.ZipInfo) -> bool:
    return bool(info.flag_bits & 0x1)


class _Once:
    """A member's size, counted with the first message found in it."""

    def __init__(self, size: int):
        self.size = size

    def step(self) -> int:
        size, self.size = self.size, 0
        return size


def _member_items(
    archive_ref: str,
    name: str,
    fmt: str,
    fh: BinaryIO,
    head: bytes,
    position: _Position | _Once,
    ceiling: int | None,
) -> Iterator[ImportItem]:
    """The messages of one archive member: one .eml/.msg, or an mbox's, streamed."""
    ref = f"{archive_ref}#{name}"
    kind = sniff(head, Path(name).suffix.lower())
    if kind == "mbox":
        for item in _mbox_items(ref, fh, position, ceiling):
            yield dataclasses.replace(item, fmt=fmt)
    elif kind is None:
        yield ImportItem(ref, fmt, position.step(), skipped="not mail")
    else:
        yield _whole_message(ref, fmt, fh, ceiling, position.step)


def _whole_message(
    ref: str, fmt: str, fh: BinaryIO, ceiling: int | None, size: Callable[[], int]
) -> ImportItem:
    """One message read whole; one over the ceiling is read no further than the ceiling.
    ``size`` is asked after reading, so a stream's progress includes the message."""
    raw = fh.read(-1 if ceiling is None else ceiling + 1)
    if ceiling is not None and len(raw) > ceiling:
        return ImportItem(ref, fmt, size(), error=_too_big(ceiling))
    return ImportItem(ref, fmt, size(), raw=raw)
