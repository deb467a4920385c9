"""Extraction over the archive: the attachments of some messages, or of all of them.

Each distinct attachment content (SHA-256) is read once: the same PDF sent to fifty agencies
is one ``documents`` row. Reading happens in bounded worker processes; only this thin shell
touches the database and the blob store.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from archive.blobstore import BlobMissing
from archive.documents import formats
from archive.documents.read import Reading, read_metadata_safely
from archive.documents.reader import DocumentReader
from archive.documents.store import (
    documents_by_sha,
    fill_metadata,
    fill_reading,
    save_texts,
)
from archive.models import Document, Message, Part
from archive.models.base import utcnow
from archive.queries import message_id_batches

log = logging.getLogger("govmail.archive")
BATCH = 64  # documents per database transaction


@dataclass(frozen=True)
class Target:
    """One attachment content to read, with the first message that carried it."""

    sha256: str
    detected_type: str | None
    size: int
    message_id: int
    subject: str | None


@dataclass
class ExtractSummary:
    documents: int = 0
    failed: int = 0
    scanned: int = 0
    signed: int = 0
    message_ids: set[int] = field(default_factory=set)


def targets_of(session, message_ids: Sequence[int]) -> list[Target]:
    """Readable attachments of these messages, one per content, in message order."""
    rows = session.execute(
        select(Part.sha256, Part.detected_type, Part.size, Part.message_id, Message.subject)
        .join(Message, Message.id == Part.message_id)
        .where(Part.message_id.in_(list(message_ids)), Part.is_attachment, Part.sha256.isnot(None))
        .order_by(Part.message_id, Part.ordinal)
    )
    found: dict[str, Target] = {}
    for sha, kind, size, mid, subject in rows:
        if sha not in found and formats.format_for(kind):
            found[sha] = Target(sha, kind, size or 0, mid, subject)
    return list(found.values())


def extract_messages(
    archive,
    reader: DocumentReader,
    message_ids: Sequence[int],
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    read_already: Mapping[str, Reading] | None = None,
) -> ExtractSummary:
    """Read the attachments of these messages; with ``force`` also those read before.

    ``read_already`` holds readings made where the messages were parsed (import workers);
    those documents are only stored."""
    summary = ExtractSummary()
    with archive.sessions() as session:
        targets = targets_of(session, message_ids)
        if not force:
            known = documents_by_sha(session, [t.sha256 for t in targets])
            targets = [t for t in targets if t.sha256 not in known]
    for start in range(0, len(targets), BATCH):
        chunk = targets[start : start + BATCH]
        _extract_chunk(archive, reader, chunk, summary, read_already)
        if progress:
            progress(len(chunk))
    return summary


def _extract_chunk(
    archive,
    reader: DocumentReader,
    chunk: list[Target],
    summary,
    read_already: Mapping[str, Reading] | None = None,
) -> None:
    settings = archive.settings.documents
    started = time.monotonic()
    items, readings = [], {}
    for target in chunk:
        if read_already and target.sha256 in read_already:
            readings[target.sha256] = read_already[target.sha256]
            continue
        if target.size > settings.max_bytes:
            readings[target.sha256] = Reading(
                extractor=formats.format_for(target.detected_type),
                error=f"not read: {target.size} bytes is over documents.max_bytes",
            )
            continue
        try:
            items.append((target, archive.blobs.get(target.sha256)))
        except BlobMissing:
            readings[target.sha256] = Reading(extractor=None, error="attachment blob missing")
    results = reader.read_many([(data, t.detected_type) for t, data in items])
    for (target, _data), reading in zip(items, results, strict=True):
        readings[target.sha256] = reading
    for attempt in range(2):
        try:
            _write(archive, chunk, readings)
            break
        except IntegrityError:  # another process stored one of these meanwhile: update it
            if attempt:
                raise
    for target in chunk:
        reading = readings[target.sha256]
        summary.documents += 1
        summary.failed += bool(reading.error)
        summary.scanned += reading.scanned
        summary.signed += reading.signatures.signed
        summary.message_ids.add(target.message_id)
    log.info(
        json.dumps(
            {
                "event": "documents-read",
                "documents": len(chunk),
                "failed": sum(1 for r in readings.values() if r.error),
                "ms": round((time.monotonic() - started) * 1000, 1),
            }
        )
    )


def _write(archive, chunk: list[Target], readings: dict[str, Reading]) -> None:
    ocr = archive.settings.documents.ocr
    with archive.sessions() as session, session.begin():
        existing = documents_by_sha(session, [t.sha256 for t in chunk])
        texts = [(readings[t.sha256].text, readings[t.sha256].text_sha256) for t in chunk]
        text_keys = save_texts(session, archive.blobs, texts)
        for target, text_sha in zip(chunk, text_keys, strict=True):
            reading = readings[target.sha256]
            doc = existing.get(target.sha256) or Document(sha256=target.sha256, ocr=False)
            fill_reading(doc, reading, target.detected_type, text_sha, ocr)
            fill_metadata(doc, _metadata(archive, doc, reading, target.subject))
            session.add(doc)


def _metadata(archive, doc: Document, reading: Reading, subject: str | None):
    """The worker read the text's metadata; the subject is only asked when it found none."""
    if doc.ocr or reading.metadata is None:  # kept OCR text, or text read here
        return read_metadata_safely(_current_text(archive, doc, reading), subject)
    if reading.metadata.source is not None:
        return reading.metadata
    return read_metadata_safely(None, subject)


def _current_text(archive, doc: Document, reading: Reading) -> str | None:
    if doc.text_sha256 is None:
        return None
    if doc.ocr:  # kept OCR text
        try:
            return archive.blobs.get(doc.text_sha256).decode("utf-8", "replace")
        except BlobMissing:
            return None
    return reading.text


def attachment_count(archive) -> int:
    """Distinct readable attachment contents in the archive (for progress bars)."""
    with archive.sessions() as session:
        rows = session.execute(
            select(Part.detected_type, func.count(func.distinct(Part.sha256)))
            .where(Part.is_attachment, Part.sha256.isnot(None))
            .group_by(Part.detected_type)
        )
        return sum(n for kind, n in rows if formats.format_for(kind))


def reextract(
    archive,
    reader: DocumentReader,
    progress: Callable[[int], None] | None = None,
    started: datetime | None = None,
) -> ExtractSummary:
    """Read every attachment again (after an upgrade); raw mail is untouched. The hooks are
    told which messages changed so the search index and the exchange log follow.

    Documents read since ``started`` are skipped: passing the start of an interrupted run
    continues it instead of starting over."""
    total = ExtractSummary()
    started = _as_utc(started) if started is not None else utcnow()
    for ids in message_id_batches(archive.sessions, 500):
        with archive.sessions() as session:
            targets = targets_of(session, ids)
            done = documents_by_sha(session, [t.sha256 for t in targets])
        # Read in an earlier batch of this run (the same PDF in many messages): skip.
        fresh = [
            t
            for t in targets
            if t.sha256 not in done or _as_utc(done[t.sha256].extracted_at) < started
        ]
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start : start + BATCH]
            _extract_chunk(archive, reader, chunk, total)
            if progress:
                progress(len(chunk))
        archive.refresh(ids)
    return total


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def messages_with(session, shas: Sequence[str]) -> list[int]:
    """Every message carrying one of these attachment contents."""
    if not shas:
        return []
    return sorted(set(session.scalars(select(Part.message_id).where(Part.sha256.in_(list(shas))))))
