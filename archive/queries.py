"""Read-side queries shared by the CLI, the web and the gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Message

_MAX_ID = 2**31 - 1  # messages.id is an Integer (int4 on PostgreSQL)


class MessageNotFound(LookupError):
    """No archived message matches the identifier."""


def find_message(session: Session, ident: str | int) -> Message:
    """By archive id, ``<Message-ID>``, or a SHA-256 (prefix of at least 8 hex digits)."""
    text = str(ident).strip()
    query = select(Message).options(
        selectinload(Message.addresses),
        selectinload(Message.parts),
        selectinload(Message.sources),
    )
    if text.isascii() and text.isdigit():  # not '²': int() refuses what isdigit() allows
        number = int(text)  # past the column's range ("Integer"), no row can have it
        found = (
            None if number > _MAX_ID else session.scalars(query.where(Message.id == number)).first()
        )
    elif (text.startswith("<") or "@" in text) and _is_utf8(text):
        bare = text.strip("<>")
        found = session.scalars(
            query.where(
                or_(Message.message_id == f"<{bare}>", Message.message_id == bare)
            ).order_by(Message.id)
        ).first()
    elif len(text) >= 8 and all(c in "0123456789abcdef" for c in text.lower()):
        matches = session.scalars(
            query.where(Message.sha256.startswith(text.lower())).limit(2)
        ).all()
        if len(matches) > 1:
            raise MessageNotFound(f"{text}: more than one message has this SHA-256 prefix")
        found = matches[0] if matches else None
    else:
        found = None
    if found is None:
        raise MessageNotFound(f"no archived message {text!r} (give an id, <Message-ID> or SHA-256)")
    return found


def _is_utf8(text: str) -> bool:
    """False for a command-line argument with bytes that are not UTF-8 (surrogates): the
    database refuses it, and no stored Message-ID could match it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def message_detail(message: Message) -> dict[str, Any]:
    """The stable JSON form of a message (``govmail show --json``)."""
    return {
        "id": message.id,
        "sha256": message.sha256,
        "message_id": message.message_id,
        "subject": message.subject,
        "date": message.sent_at.isoformat() if message.sent_at else None,
        "archived_at": message.archived_at.isoformat() if message.archived_at else None,
        "from": message.from_address,
        "from_name": message.from_name,
        "addresses": [
            {"role": a.role, "address": a.address, "name": a.name} for a in message.addresses
        ],
        "size": message.size,
        "content_type": message.content_type,
        "attachment_count": message.attachment_count,
        "channel": message.channel,
        "direction": message.direction,
        "parse_error": message.parse_error,
        "defects": message.defects.split(",") if message.defects else [],
        "sources": [
            {
                "channel": s.channel,
                "ref": s.ref,
                "mail_from": s.mail_from,
                "rcpt_to": json.loads(s.rcpt_to) if s.rcpt_to else [],
                "direction": s.direction,
                "seen_at": s.seen_at.isoformat(),
            }
            for s in message.sources
        ],
        "parts": [
            {
                "ordinal": p.ordinal,
                "parent": p.parent_ordinal,
                "path": p.path,
                "container": p.container,
                "depth": p.depth,
                "filename": p.filename,
                "declared_type": p.declared_type,
                "detected_type": p.detected_type,
                "disposition": p.disposition,
                "charset": p.charset,
                "size": p.size,
                "sha256": p.sha256,
                "is_attachment": p.is_attachment,
                "error": p.error,
            }
            for p in message.parts
        ],
    }


def message_id_batches(sessions, size: int) -> Iterator[list[int]]:
    """Every message id in ascending batches, one short read transaction per batch, so
    long rebuilds (reindex, reextract) never hold a snapshot open while they work."""
    last = 0
    while True:
        with sessions() as session:
            ids = list(
                session.scalars(
                    select(Message.id).where(Message.id > last).order_by(Message.id).limit(size)
                )
            )
        if not ids:
            return
        yield ids
        last = ids[-1]
