"""The CPU-bound half of ingest: hash, parse, walk, decode. Pure; touches no storage.

Kept apart from storing so bulk import can run it in worker processes.
"""

from __future__ import annotations

import hashlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from archive.blobstore import FileBlobStore, PendingBlob
from archive.body_text import body_text
from archive.documents import formats
from archive.documents.read import Reading, ReadOptions, read_document
from archive.mime_walk import PartNode, WalkLimits, walk
from archive.parse import ParsedAddress, parse_message


@dataclass
class PreparedPart:
    ordinal: int
    parent: int | None
    path: str
    container: str
    depth: int
    declared_type: str | None
    detected_type: str | None
    filename: str | None
    disposition: str | None
    charset: str | None
    size: int
    sha256: str | None
    is_attachment: bool
    error: str | None


@dataclass
class PreparedMessage:
    """Everything the archive records about one raw message, plus the blobs to store."""

    sha256: str
    size: int
    message_id: str | None = None
    subject: str | None = None
    sent_at: datetime | None = None
    from_address: str | None = None
    from_name: str | None = None
    content_type: str | None = None
    addresses: list[ParsedAddress] = field(default_factory=list)
    parts: list[PreparedPart] = field(default_factory=list)
    body_text_sha256: str | None = None
    defects: list[str] = field(default_factory=list)
    parse_error: str | None = None
    errors: list[str] = field(default_factory=list)
    blobs: dict[str, PendingBlob] = field(default_factory=dict)
    # Attachments read where they were parsed (bulk import workers): sha256 -> Reading.
    readings: dict[str, Reading] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)  # hook name -> its text step's result

    @property
    def attachment_count(self) -> int:
        return sum(1 for p in self.parts if p.is_attachment)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keep(blobs: dict[str, PendingBlob], data: bytes) -> str:
    """Add ``data`` to the blobs to store (once per content); returns its key."""
    key = sha256_of(data)
    if key not in blobs:
        blobs[key] = PendingBlob(key, len(data), data)
    return key


@dataclass(frozen=True)
class ReadHere:
    """Read attachments in the worker that parsed them (bulk import).

    The bytes are already in memory there; the archive's own reader processes would have
    them decompressed from the blob store and sent over a pipe, while the import's single
    writer waits. A document past ``timeout_seconds`` ends the worker (the default action
    of SIGALRM): the pool retries the message without reading, and the archive's bounded
    readers take the documents, as they do for everything not read here. The workers'
    memory is bounded like the readers' (``documents.memory_mb``, plus room to parse the
    largest message); a message that needs more is parsed again in a process without it.
    """

    options: ReadOptions
    max_bytes: int
    timeout_seconds: float
    memory_mb: int = 0  # address space a worker may add to what it starts with; 0: no limit
    # Hooks' steps over the new texts (body, attachments): (hook name, picklable function
    # taking {text sha256: text}); the result reaches the hook as IngestResult.derived.
    text_steps: tuple[tuple[str, Callable[[dict[str, str]], Any]], ...] = ()


def prepare(
    raw: bytes,
    limits: WalkLimits,
    sha256: str | None = None,
    spill_to: Path | None = None,
    compress_level: int = 3,
    read: ReadHere | None = None,
) -> PreparedMessage:
    """Read ``raw`` into a PreparedMessage. Never raises on bad input.

    With ``spill_to`` (a blob store root) the blobs are compressed into temporary files
    there and carried by name: worker processes do this so the serial storing step only
    flushes and renames.
    """
    try:
        prepared = _prepare(raw, limits, sha256)
    except Exception as exc:  # a reader's bug must not lose the message: keep it raw
        log.exception("message %s: cannot be read; archived raw", (sha256 or "")[:16])
        prepared = _raw_only(raw, sha256, f"cannot read the message: {type(exc).__name__}: {exc}")
    if read is not None:
        _read_attachments(prepared, read)
        _run_text_steps(prepared, read)
    if spill_to is not None:
        store = _spill_store(spill_to, compress_level)
        prepared.blobs = {k: store.spill(k, b.data or b"") for k, b in prepared.blobs.items()}
    return prepared


log = logging.getLogger("govmail.archive")
_stores: dict[tuple[Path, int], FileBlobStore] = {}
_read_before: set[str] = set()  # read by this worker already: sent once per import


def _run_text_steps(prepared: PreparedMessage, read: ReadHere) -> None:
    if not read.text_steps:
        return
    texts = {r.text_sha256: r.text for r in prepared.readings.values() if r.text_sha256}
    body = prepared.blobs.get(prepared.body_text_sha256 or "")
    if body is not None and body.data is not None:
        texts[body.sha256] = body.data.decode("utf-8")
    for name, step in read.text_steps:
        try:
            prepared.derived[name] = step(texts)
        except Exception:  # the hook does the work itself then
            log.exception("text step of hook %s failed; left to the hook", name)


def _read_attachments(prepared: PreparedMessage, read: ReadHere) -> None:
    """Read each readable attachment (once per content); its text becomes a blob here."""
    if len(_read_before) > 100_000:
        _read_before.clear()
    for part in prepared.parts:
        sha = part.sha256
        if (
            sha is None
            or not part.is_attachment
            or sha in _read_before
            or part.size > read.max_bytes
            or formats.format_for(part.detected_type) is None
        ):
            continue
        blob = prepared.blobs.get(sha)
        if blob is None or blob.data is None:
            continue
        _read_before.add(sha)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, read.timeout_seconds)
        try:
            reading = read_document(blob.data, part.detected_type, read.options)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if reading.text:
            reading.text_sha256 = _keep(prepared.blobs, reading.text.encode("utf-8"))
        prepared.readings[sha] = reading


def _spill_store(root: Path, level: int) -> FileBlobStore:
    key = (root, level)
    if key not in _stores:
        _stores[key] = FileBlobStore(root, level=level)
    return _stores[key]


def _raw_only(raw: bytes, sha256: str | None, error: str | None = None) -> PreparedMessage:
    key = sha256 or sha256_of(raw)
    prepared = PreparedMessage(sha256=key, size=len(raw), parse_error=error)
    prepared.blobs[key] = PendingBlob(key, len(raw), raw)
    return prepared


def _prepare(raw: bytes, limits: WalkLimits, sha256: str | None) -> PreparedMessage:
    prepared = _raw_only(raw, sha256)
    parsed = parse_message(raw)
    prepared.parse_error = parsed.parse_error
    prepared.defects = parsed.defects
    for name in (
        "message_id",
        "subject",
        "sent_at",
        "from_address",
        "from_name",
        "content_type",
        "addresses",
    ):
        setattr(prepared, name, getattr(parsed, name))
    if parsed.message is None:
        return prepared
    try:
        result = walk(parsed.message, limits)
    except Exception as exc:
        prepared.parse_error = f"cannot walk the MIME tree: {type(exc).__name__}: {exc}"
        return prepared
    prepared.errors = result.errors
    for node in result.parts:
        prepared.parts.append(_prepared_part(node, prepared.blobs))
    body = body_text(
        [(n.text_type or "", n.payload, n.charset) for n in result.body_parts() if n.payload]
    )
    if body:
        prepared.body_text_sha256 = _keep(prepared.blobs, body.encode("utf-8"))
    return prepared


def _prepared_part(node: PartNode, blobs: dict[str, PendingBlob]) -> PreparedPart:
    sha = _keep(blobs, node.payload) if node.payload is not None else None
    return PreparedPart(
        ordinal=node.ordinal,
        parent=node.parent,
        path=node.path[:1000],
        container=node.container,
        depth=node.depth,
        declared_type=(node.declared_type or None) and node.declared_type[:255],
        detected_type=node.detected_type,
        filename=node.filename,
        disposition=(node.disposition or None) and node.disposition[:32],
        charset=(node.charset or None) and node.charset[:64],
        size=node.size,
        sha256=sha,
        is_attachment=node.is_attachment,
        error=node.error,
    )
