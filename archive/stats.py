"""Archive totals, computed in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Blob, Document, IngestError, Message, Part


def archive_stats(session: Session) -> dict:
    messages, bytes_raw, parse_errors = session.execute(
        select(
            func.count(Message.id),
            func.coalesce(func.sum(Message.size), 0),
            func.count(Message.parse_error),
        )
    ).one()
    attachments = session.scalar(select(func.count(Part.id)).where(Part.is_attachment))
    blobs, blob_bytes, stored = session.execute(
        select(
            func.count(Blob.sha256),
            func.coalesce(func.sum(Blob.size), 0),
            func.coalesce(func.sum(Blob.stored_size), 0),
        )
    ).one()
    by_channel = dict(
        session.execute(select(Message.channel, func.count()).group_by(Message.channel)).all()
    )
    types = session.execute(
        select(Part.detected_type, func.count())
        .where(Part.is_attachment)
        .group_by(Part.detected_type)
        .order_by(func.count().desc())
        .limit(10)
    ).all()
    errors = session.scalar(select(func.count(IngestError.id)))
    documents = _document_stats(session)
    return {
        "messages": messages,
        "attachments": attachments,
        "blobs": blobs,
        "bytes_raw": int(bytes_raw),
        "bytes_blobs": int(blob_bytes),
        "bytes_stored": int(stored),
        "parse_errors": parse_errors,
        "errors_recorded": errors,
        "by_channel": by_channel,
        "attachment_types": [{"type": t or "unknown", "count": n} for t, n in types],
        "documents": documents,
    }


def _document_stats(session: Session) -> dict:
    """What was read from the attachments (issue 3): the figures the reports rely on."""
    read, with_text, scanned, ocr_pending, signed, valid, numbered, failed = session.execute(
        select(
            func.count(Document.sha256),
            func.count(Document.text_sha256),
            func.count().filter(Document.scanned),
            func.count().filter(Document.ocr_status == "pending"),
            func.count().filter(Document.signed),
            func.count().filter(Document.signature_valid),
            func.count(Document.number),
            func.count(Document.extract_error),
        )
    ).one()
    return {
        "read": read,
        "with_text": with_text,
        "scanned": scanned,
        "ocr_pending": ocr_pending,
        "signed": signed,
        "signature_valid": valid,
        "with_document_number": numbered,
        "read_errors": failed,
    }
