"""Monthly sums of the exchange log per agency (``exchange_months``), kept fresh lazily.

Reports over a million log rows must answer in well under two seconds on SQLite too, so
they read sums per agency and month (hundreds of agencies × months) instead of the log.
Writers of the log only *mark* the (agency, month) pairs they touched (``exchange_dirty``,
cheap and free of contention); ``refresh`` sums the marked pairs again, by SQL, before a
report. Refreshes are serialised (SQLite's write lock; an advisory lock on PostgreSQL), and
a mark is only removed by the refresh that read it, so a pair changed meanwhile keeps its
mark and is summed again next time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, case, delete, func, insert, literal_column, null, select, text
from sqlalchemy.orm import Session, sessionmaker

from archive.models import Exchange, ExchangeDirty, ExchangeMonth

E = Exchange.__table__
M = ExchangeMonth.__table__
D = ExchangeDirty.__table__
# Past this many marked pairs, summing the whole log at once is cheaper than pair by pair.
FULL_REFRESH = 3000
CHUNK = 400
_LOCK_KEY = 7_010_001  # PostgreSQL advisory lock: one refresh at a time
COLUMNS = (
    "sent", "received", "internal", "scanned", "signed", "signed_valid", "signed_trusted",
    "timed", "late",
)  # fmt: skip
_TARGET = ["agency_id", "month", *COLUMNS, "max_delay", "top_number"]


def touched_pairs(session: Session, message_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (agency, month) pairs the log rows of these messages count in."""
    ids = list(message_ids)
    pairs: set[tuple[int, int]] = set()
    for column in (E.c.sender_agency_id, E.c.recipient_agency_id):
        rows = session.execute(
            select(column, E.c.month).where(E.c.message_id.in_(ids), column.is_not(None)).distinct()
        )
        pairs.update((agency, month) for agency, month in rows)
    return pairs


def pairs_of_rows(rows: Iterable[dict]) -> set[tuple[int, int]]:
    pairs = set()
    for r in rows:
        for key in ("sender_agency_id", "recipient_agency_id"):
            if r[key] is not None:
                pairs.add((r[key], r["month"]))
    return pairs


def mark(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    values = [{"agency_id": a, "month": m} for a, m in sorted(set(pairs))]
    if values:
        session.execute(insert(ExchangeDirty), values)


def refresh(sessions: sessionmaker[Session]) -> int:
    """Sum again every marked pair; returns how many pairs were summed (0: all fresh)."""
    with sessions() as session, session.begin():
        _lock(session)
        last = session.scalar(select(func.max(D.c.id)))
        if last is None:
            return 0
        pairs = [
            (a, m)
            for a, m in session.execute(
                select(D.c.agency_id, D.c.month).where(D.c.id <= last).distinct()
            )
        ]
        if len(pairs) > FULL_REFRESH:
            _sum_all(session)
        else:
            by_month: dict[int, list[int]] = {}
            for agency, month in pairs:
                by_month.setdefault(month, []).append(agency)
            for month, agencies in sorted(by_month.items()):
                for start in range(0, len(agencies), CHUNK):
                    _sum_month(session, month, sorted(agencies[start : start + CHUNK]))
        session.execute(delete(ExchangeDirty).where(D.c.id <= last))
        return len(pairs)


def rebuild_all(sessions: sessionmaker[Session]) -> None:
    """Sum the whole log again (after ``govmail report rebuild``)."""
    with sessions() as session, session.begin():
        _lock(session)
        last = session.scalar(select(func.max(D.c.id)))
        _sum_all(session)
        if last is not None:
            session.execute(delete(ExchangeDirty).where(D.c.id <= last))


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _sum_all(session: Session) -> None:
    session.execute(delete(ExchangeMonth))
    session.execute(
        insert(ExchangeMonth).from_select(
            ["agency_id", "month", *COLUMNS, "max_delay", "top_number"], _sums(None)
        )
    )


def _sum_month(session: Session, month: int, agencies: list[int]) -> None:
    """Sum one month of these agencies again (found by the (agency, month) indexes)."""
    session.execute(delete(ExchangeMonth).where(M.c.month == month, M.c.agency_id.in_(agencies)))
    session.execute(insert(ExchangeMonth).from_select(_TARGET, _sums((month, agencies))))


def _sums(only: tuple[int, list[int]] | None):
    """Per agency and month: the sending side (send rows) and the receiving side."""
    outward = E.c.direction != "internal"
    zero = literal_column("0", Integer)

    def when_out(column):
        return case((outward, column), else_=0)

    send_filter = [E.c.send_row.is_(True), E.c.sender_agency_id.is_not(None)]
    receive_filter = [E.c.direction.in_(("between", "in")), E.c.recipient_agency_id.is_not(None)]
    if only is not None:
        month, agencies = only
        send_filter += [E.c.month == month, E.c.sender_agency_id.in_(agencies)]
        receive_filter += [E.c.month == month, E.c.recipient_agency_id.in_(agencies)]
    send = select(
        E.c.sender_agency_id.label("agency_id"),
        E.c.month.label("month"),
        when_out(E.c.documents).label("sent"),
        zero.label("received"),
        case((outward, 0), else_=E.c.documents).label("internal"),
        when_out(E.c.scanned).label("scanned"),
        when_out(E.c.signed).label("signed"),
        when_out(E.c.signed_valid).label("signed_valid"),
        when_out(E.c.signed_trusted).label("signed_trusted"),
        when_out(E.c.timed).label("timed"),
        when_out(E.c.late).label("late"),
        case((outward, E.c.max_delay), else_=null()).label("max_delay"),
        E.c.max_number.label("top_number"),
    ).where(*send_filter)
    receive = select(
        E.c.recipient_agency_id,
        E.c.month,
        zero.label("sent"),
        E.c.documents,
        *(zero.label(f"zero{i}") for i in range(7)),
        null().label("max_delay"),
        null().label("top_number"),
    ).where(*receive_filter)
    sides = send.union_all(receive).subquery("sides")
    return select(
        sides.c.agency_id,
        sides.c.month,
        *(func.sum(sides.c[c]).label(c) for c in COLUMNS),
        func.max(sides.c.max_delay).label("max_delay"),
        func.max(sides.c.top_number).label("top_number"),
    ).group_by(sides.c.agency_id, sides.c.month)
