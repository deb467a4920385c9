"""The exchange log: what each archived message means for the agencies' counts.

``build_rows`` is pure: the facts of one message, the directory and the working-day
calendar in, one row per counterpart agency out. Direction is seen from the sender:
``internal`` (same agency), ``between`` (two agencies), ``out`` (agency to outside), ``in``
(outside to agency), ``unattributed`` (no agency on either side: the directory lacks them).
Exactly one row per message has ``send_row`` set; it carries the sender's count, so one
document sent to five agencies is one sent and five received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from reports.attribution import Directory
from reports.table_file import fold
from reports.working_days import Calendar, timeliness

# A Date header more than this far ahead of the first sighting is not believed.
MAX_CLOCK_SKEW = timedelta(days=1)
_NUMBER = re.compile(r"^\s*0*(\d{1,9})")


@dataclass(frozen=True)
class DocFacts:
    """What extraction found in one attached document (``documents`` table)."""

    sha256: str
    scanned: bool = False
    signed: bool = False
    valid: bool = False
    trusted: bool = False
    signing_time: datetime | None = None
    issued_date: date | None = None
    number: str | None = None
    notation: str | None = None
    doc_type: str | None = None

    @property
    def official(self) -> bool:
        """An official document: it carries số/ký hiệu, a type, a date or a signature, or
        it is a scan (a paper document digitised). Logos and plain files are not counted."""
        return bool(
            self.number
            or self.notation
            or self.doc_type
            or self.issued_date
            or self.signed
            or self.scanned
        )


@dataclass(frozen=True)
class MessageFacts:
    """What the archive knows about one message, as far as the exchange log needs."""

    id: int
    channel: str
    sent_at: datetime | None
    first_seen: datetime
    senders: tuple[str, ...]  # From, Sender, envelope MAIL FROM: the first attributed wins
    recipients: tuple[str, ...]  # To, Cc, Bcc, envelope RCPT TO of every sighting
    documents: tuple[DocFacts, ...] = ()
    policy_action: str | None = None
    policy_rule: str | None = None

    @property
    def sending_time(self) -> datetime:
        if self.sent_at is None or self.sent_at > self.first_seen + MAX_CLOCK_SKEW:
            return self.first_seen
        return self.sent_at


def build_rows(
    facts: MessageFacts, directory: Directory, calendar: Calendar
) -> list[dict[str, Any]]:
    """The exchange rows of one message (column values of ``exchanges``)."""
    sender = _sender_agency(facts, directory)
    counterparts = _counterparts(facts, directory, sender)
    sent = facts.sending_time
    local_day = calendar.local(sent).date()
    common = {
        "message_id": facts.id,
        "month": local_day.year * 100 + local_day.month,
        "day": local_day,
        "sent_at": sent,
        "channel": facts.channel,
        "policy_action": facts.policy_action,
        "policy_rule": facts.policy_rule,
        **_document_counts(facts, calendar),
    }
    rows = []
    for recipient, direction in counterparts:
        rows.append(
            common
            | {
                "sender_agency_id": sender,
                "recipient_agency_id": recipient,
                "direction": direction,
                "send_row": False,
                "max_number": None,
            }
        )
    send = next((r for r in rows if r["direction"] != "internal"), rows[0])
    send["send_row"] = True
    if sender is not None:
        send["max_number"] = _max_number(
            facts, directory.notations.get(sender), local_day.year, calendar
        )
    return rows


def _sender_agency(facts: MessageFacts, directory: Directory) -> int | None:
    for address in facts.senders:
        agency = directory.agency_of(address)
        if agency is not None:
            return agency
    return None


def _counterparts(
    facts: MessageFacts, directory: Directory, sender: int | None
) -> list[tuple[int | None, str]]:
    agencies: list[int] = []
    outside = False
    for address in facts.recipients:
        agency = directory.agency_of(address)
        if agency is None:
            outside = True
        elif agency not in agencies:
            agencies.append(agency)
    if sender is None:
        found = [(a, "in") for a in agencies]
        return found or [(None, "unattributed")]
    found = [(a, "internal" if a == sender else "between") for a in agencies]
    if outside or not found:
        found.append((None, "out" if outside else "unattributed"))
    return found


def _document_counts(facts: MessageFacts, calendar: Calendar) -> dict[str, Any]:
    docs = [d for d in facts.documents if d.official]
    delays = []
    late = 0
    for doc in docs:
        signed = doc.signing_time or doc.issued_date
        if signed is None:
            continue
        verdict = timeliness(calendar, signed, facts.sending_time)
        delays.append(verdict.delay_days)
        late += verdict.late
    return {
        "documents": len(docs),
        "scanned": sum(d.scanned for d in docs),
        "signed": sum(d.signed for d in docs),
        "signed_valid": sum(d.signed and d.valid for d in docs),
        "signed_trusted": sum(d.signed and d.valid and d.trusted for d in docs),
        "timed": len(delays),
        "late": late,
        "max_delay": max(delays) if delays else None,
    }


def _max_number(
    facts: MessageFacts, agency_notation: str | None, year: int, calendar: Calendar
) -> int | None:
    """The highest số among documents the sender itself issued in the sending year.

    Numbers run from 01 each 1 January (Decree 30/2020 Art. 15), so the highest one is a
    lower bound of what the agency issued so far. With the agency's abbreviation known,
    forwarded documents of other agencies (another ký hiệu) are left out.
    """
    best = None
    wanted = fold(agency_notation) if agency_notation else None
    for doc in facts.documents:
        if not doc.official or not doc.number:
            continue
        signed = calendar.local(doc.signing_time).date() if doc.signing_time else None
        issued = doc.issued_date or signed
        if issued is None or issued.year != year:
            continue
        if wanted and f"_{wanted}_" not in f"_{fold(doc.notation or '')}_":
            continue
        match = _NUMBER.match(doc.number)
        if match:
            number = int(match.group(1))
            best = number if best is None else max(best, number)
    return best
