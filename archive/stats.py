"""Archive totals, computed in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Blob, IngestError, Message, Part


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
    }
