"""Filling the exchange log: the "exchange" ingest hook and ``govmail report rebuild``.

Both recompute the rows of whole messages (delete, then insert, in one transaction), so
running either again — after extraction finished, OCR ran or the directory changed — gives
the same log as running it once.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from archive.models import Address, Document, Exchange, Message, MessageSource, Part
from reports import summary
from reports.attribution import Directory
from reports.directory import load_directory
from reports.exchange import DocFacts, MessageFacts, build_rows
from reports.working_days import Calendar

log = logging.getLogger("govmail.reports")

SENDER_ROLES = ("from", "sender")
RECIPIENT_ROLES = ("to", "cc", "bcc")
CHUNK = 500


class ExchangeHook:
    """Ingest hook: after each committed batch, log the exchanges of new messages and of
    messages seen again (a new sighting can add envelope recipients)."""

    name = "exchange"

    def __init__(self, settings) -> None:
        self.calendar = Calendar.from_settings(settings.reports)

    def __call__(self, archive, results: Sequence) -> None:
        self.refresh(archive, [r.id for r in results if r.new or r.new_source])

    def refresh(self, archive, message_ids: Sequence[int]) -> None:
        """Derived data changed (OCR finished, re-extraction): recount these messages."""
        if message_ids:
            refresh(archive.sessions, sorted(set(message_ids)), self.calendar)


def refresh(
    sessions: sessionmaker[Session],
    message_ids: Sequence[int],
    calendar: Calendar,
    directory: Directory | None = None,
) -> int:
    """Recompute the exchange rows of these messages; returns the number of rows written."""
    written = 0
    for start in range(0, len(message_ids), CHUNK):
        chunk = list(message_ids[start : start + CHUNK])
        with sessions() as session, session.begin():
            current = directory if directory is not None else load_directory(session)
            rows = [
                row
                for facts in load_facts(session, chunk)
                for row in build_rows(facts, current, calendar)
            ]
            changed = summary.touched_pairs(session, chunk) | summary.pairs_of_rows(rows)
            session.execute(delete(Exchange).where(Exchange.message_id.in_(chunk)))
            if rows:
                built = datetime.now(UTC)
                session.execute(insert(Exchange), [r | {"built_at": built} for r in rows])
            summary.mark(session, changed)
            written += len(rows)
    return written


def rebuild(
    sessions: sessionmaker[Session],
    calendar: Calendar,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Recompute the whole log from the archive (after extraction, OCR or a new directory)."""
    with sessions() as session:
        ids = list(session.scalars(select(Message.id).order_by(Message.id)))
        directory = load_directory(session)
    rows = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows += refresh(sessions, chunk, calendar, directory)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
    with sessions() as session, session.begin():
        # Rows of messages that no longer exist (the foreign key cascades, but be sure).
        session.execute(delete(Exchange).where(Exchange.message_id.not_in(select(Message.id))))
    summary.rebuild_all(sessions)
    log.info(json.dumps({"event": "exchange-rebuild", "messages": len(ids), "rows": rows}))
    return {"messages": len(ids), "rows": rows}


def load_facts(session: Session, message_ids: Iterable[int]) -> list[MessageFacts]:
    """Everything ``build_rows`` needs for these messages, in four queries."""
    ids = list(message_ids)
    senders: dict[int, list[str]] = defaultdict(list)
    recipients: dict[int, list[str]] = defaultdict(list)
    for mid, role, address in session.execute(
        select(Address.message_id, Address.role, Address.address)
        .where(Address.message_id.in_(ids), Address.role.in_(SENDER_ROLES + RECIPIENT_ROLES))
        .order_by(Address.id)
    ):
        (senders if role in SENDER_ROLES else recipients)[mid].append(address)
    first_seen: dict[int, datetime] = {}
    for mid, mail_from, rcpt_to, seen_at in session.execute(
        select(
            MessageSource.message_id,
            MessageSource.mail_from,
            MessageSource.rcpt_to,
            MessageSource.seen_at,
        )
        .where(MessageSource.message_id.in_(ids))
        .order_by(MessageSource.id)
    ):
        if mail_from:
            senders[mid].append(mail_from)
        recipients[mid] += _rcpt_list(rcpt_to)
        if mid not in first_seen or seen_at < first_seen[mid]:
            first_seen[mid] = seen_at
    documents = _documents(session, ids)
    facts = []
    for m in session.execute(
        select(
            Message.id,
            Message.channel,
            Message.sent_at,
            Message.archived_at,
            Message.policy_action,
            Message.policy_rule,
        ).where(Message.id.in_(ids))
    ):
        facts.append(
            MessageFacts(
                id=m.id,
                channel=m.channel,
                sent_at=m.sent_at,
                first_seen=first_seen.get(m.id, m.archived_at),
                senders=tuple(senders[m.id]),
                recipients=tuple(dict.fromkeys(recipients[m.id])),
                documents=tuple(documents.get(m.id, ())),
                policy_action=m.policy_action,
                policy_rule=m.policy_rule,
            )
        )
    return facts


def _rcpt_list(rcpt_to: str | None) -> list[str]:
    if not rcpt_to:
        return []
    try:
        value = json.loads(rcpt_to)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _documents(session: Session, ids: list[int]) -> dict[int, list[DocFacts]]:
    """Documents attached to each message, once per content (the same PDF twice is one)."""
    query = (
        select(
            Part.message_id,
            Document.sha256,
            Document.scanned,
            Document.signed,
            Document.signature_valid,
            Document.signature_trusted,
            Document.signing_time,
            Document.issued_date,
            Document.number,
            Document.notation,
            Document.doc_type,
        )
        .join(Document, Document.sha256 == Part.sha256)
        .where(Part.message_id.in_(ids))
        .distinct()
    )
    found: dict[int, dict[str, DocFacts]] = defaultdict(dict)
    for row in session.execute(query):
        found[row.message_id][row.sha256] = DocFacts(
            sha256=row.sha256,
            scanned=bool(row.scanned),
            signed=bool(row.signed),
            valid=bool(row.signature_valid),
            trusted=bool(row.signature_trusted),
            signing_time=row.signing_time,
            issued_date=row.issued_date,
            number=row.number,
            notation=row.notation,
            doc_type=row.doc_type,
        )
    return {mid: sorted(docs.values(), key=lambda d: d.sha256) for mid, docs in found.items()}
