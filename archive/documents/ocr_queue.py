"""The OCR queue: scans waiting in ``documents`` (``ocr_status = 'pending'``).

Ingest only marks scans; OCR runs later (``govmail ocr``, or the gateway's background
worker), so slow OCR never holds up mail. When a document's OCR text is stored, the archive
tells its hooks (``Archive.refresh``) so the text becomes searchable and reports recount.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from archive.blobstore import BlobMissing
from archive.documents.extraction import messages_with
from archive.documents.ocr import OcrText, unavailable
from archive.documents.read import read_metadata_safely
from archive.documents.reader import DocumentReader
from archive.documents.store import fill_metadata, save_text
from archive.models import Document, Message, Part

log = logging.getLogger("govmail.archive")
MODES = ("pending", "all")


@dataclass
class OcrSummary:
    documents: int = 0
    pages: int = 0
    failed: int = 0
    unavailable: str | None = None  # why OCR could not run at all


def queued(archive, mode: str = "pending") -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.count(Document.sha256)).where(_wanted(mode))) or 0


def _wanted(mode: str):
    if mode not in MODES:
        raise ValueError(f"OCR mode must be one of {', '.join(MODES)}, not {mode!r}")
    return Document.ocr_status == "pending" if mode == "pending" else Document.scanned.is_(True)


def run_ocr(
    archive,
    reader: DocumentReader,
    mode: str = "pending",
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    refresh: Callable[[list[int]], None] | None = None,
) -> OcrSummary:
    """OCR queued scans (``pending``) or every scan again (``all``).

    ``refresh`` is told which messages gained text (default: ``archive.refresh``).
    """
    summary = OcrSummary()
    with archive.sessions() as session:
        todo = list(
            session.scalars(
                select(Document.sha256).where(_wanted(mode)).order_by(Document.extracted_at)
            )
        )
    if limit is not None:
        todo = todo[:limit]
    if not todo:
        return summary
    summary.unavailable = unavailable(reader.settings.ocr_languages)
    if summary.unavailable:
        return summary
    size = max(1, reader.pool.size)
    for start in range(0, len(todo), size):
        if should_stop and should_stop():
            break
        chunk = todo[start : start + size]
        _ocr_chunk(archive, reader, chunk, summary, refresh or archive.refresh)
        if progress:
            progress(len(chunk))
    return summary


def _ocr_chunk(
    archive, reader: DocumentReader, shas: list[str], summary: OcrSummary, refresh
) -> None:
    with archive.sessions() as session:
        docs = {
            d.sha256: d for d in session.scalars(select(Document).where(Document.sha256.in_(shas)))
        }
    items, keys = [], []
    for sha in shas:
        doc = docs.get(sha)
        if doc is None:
            continue
        try:
            items.append((archive.blobs.get(sha), doc.detected_type, doc.pages or 1))
            keys.append(sha)
        except BlobMissing:
            _record(archive, sha, None, "attachment blob missing")
            summary.failed += 1
    results = reader.ocr_many(items)
    for sha, result in zip(keys, results, strict=True):
        if isinstance(result, OcrText):
            _record(archive, sha, result, None)
            summary.documents += 1
            summary.pages += result.pages
        else:
            _record(archive, sha, None, result.reason)
            summary.failed += 1
    with archive.sessions() as session:
        ids = messages_with(session, keys)
    if ids:
        refresh(ids)
    log.info(
        json.dumps(
            {"event": "ocr", "documents": len(keys), "messages": len(ids), "failed": summary.failed}
        )
    )


def _record(archive, sha: str, result: OcrText | None, error: str | None) -> None:
    with archive.sessions() as session, session.begin():
        doc = session.get(Document, sha)
        if doc is None:
            return
        if result is None:
            doc.ocr_status = "failed"
            previous = [
                e for e in (doc.extract_error or "").split("; ") if e and not e.startswith("ocr:")
            ]
            doc.extract_error = "; ".join([*previous, f"ocr: {error}"])[:4000]
            return
        doc.text_sha256 = save_text(session, archive.blobs, result.text)
        doc.text_chars = len(result.text)
        doc.ocr = True
        doc.ocr_status = "done"
        if doc.extract_error:
            kept = [e for e in doc.extract_error.split("; ") if not e.startswith("ocr:")]
            doc.extract_error = "; ".join(kept) or None
        fill_metadata(doc, read_metadata_safely(result.text, _subject(session, sha)))


def _subject(session, sha: str) -> str | None:
    return session.scalar(
        select(Message.subject)
        .join(Part, Part.message_id == Message.id)
        .where(Part.sha256 == sha)
        .order_by(Message.id)
        .limit(1)
    )
