"""Export archived messages as .eml files, one mbox, or a ZIP with attachments and a manifest."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.utils import format_datetime
from pathlib import Path
from typing import BinaryIO

from archive.ingest import Archive
from archive.models import Message
from archive.queries import find_message

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str, fallback: str = "file") -> str:
    """A file name with no path, no control or shell-special characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    return name[:150] or fallback


def load(archive: Archive, idents: Sequence[str]) -> list[Message]:
    """The messages named, each once (``1 1`` or an id and its Message-ID would otherwise
    give duplicate ZIP members), in the order first named."""
    with archive.sessions() as session:
        found = [find_message(session, ident) for ident in idents]
    return list({msg.id: msg for msg in found}.values())


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file that appears at ``path`` only when complete: an export that fails half-way
    (a blob missing, the disk full) leaves no truncated file that looks like the export."""
    part = path.with_name(f".{path.name}.part")
    try:
        with open(part, "wb") as fh:
            yield fh
        os.replace(part, path)
    except OSError as exc:
        exc.filename = str(path)  # the name the user gave, not the temporary one
        raise
    finally:
        part.unlink(missing_ok=True)


def write_mbox(archive: Archive, messages: Sequence[Message], out: BinaryIO) -> None:
    """mboxrd: lines starting with '>*From ' get one more '>'."""
    for msg in messages:
        raw = archive.blobs.get(msg.sha256).replace(b"\r\n", b"\n")
        sender = msg.from_address or "MAILER-DAEMON"
        when = msg.sent_at or msg.archived_at
        out.write(f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
        for line in raw.split(b"\n"):
            if re.match(rb">*From ", line):
                line = b">" + line
            out.write(line + b"\n")
        if not raw.endswith(b"\n"):
            out.write(b"\n")


def write_eml_files(archive: Archive, messages: Sequence[Message], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for msg in messages:
        path = directory / f"{msg.id}-{msg.sha256[:12]}.eml"
        with replacing(path) as fh:
            fh.write(archive.blobs.get(msg.sha256))
        written.append(path)
    return written


def write_zip(archive: Archive, messages: Sequence[Message], out: BinaryIO) -> None:
    """messages/<id>.eml, attachments/<id>/<n>-<name>, manifest.csv."""
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(
        [
            "message",
            "message_id",
            "date",
            "from",
            "subject",
            "file",
            "kind",
            "filename",
            "detected_type",
            "size",
            "sha256",
        ]
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for msg in messages:
            date = format_datetime(msg.sent_at) if msg.sent_at else ""
            name = f"messages/{msg.id}.eml"
            zf.writestr(name, archive.blobs.get(msg.sha256))
            common = [msg.id, msg.message_id or "", date, msg.from_address or "", msg.subject or ""]
            writer.writerow(
                [*common, name, "message", "", msg.content_type or "", msg.size, msg.sha256]
            )
            for part in msg.parts:
                if not part.is_attachment or not part.sha256:
                    continue
                fname = safe_filename(part.filename or "", f"part-{part.ordinal}")
                path = f"attachments/{msg.id}/{part.ordinal}-{fname}"
                zf.writestr(path, archive.blobs.get(part.sha256))
                writer.writerow(
                    [
                        *common,
                        path,
                        "attachment",
                        part.filename or "",
                        part.detected_type or "",
                        part.size,
                        part.sha256,
                    ]
                )
        zf.writestr("manifest.csv", manifest.getvalue().encode("utf-8-sig"))
