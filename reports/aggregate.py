"""The report's numbers, computed by SQL in the database (SQLite and PostgreSQL alike).

One statement per table family. The monthly sums of the exchange log (``exchange_months``,
kept fresh by ``reports.summary``) are summed per agency and *cell* (the whole period, or
each month with ``by="month"``) for the period and the same period a year before, joined
with the register totals and the numbering estimate of that agency and cell, then summed
per group (agency, level or month) with a total row. Shares are divided in SQL too.
Violations are counted from the log itself (few rows, found by index).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from archive.models import Agency, Exchange, ExchangeMonth, RegisterTotal
from reports.periods import Period

E = Exchange.__table__
M = ExchangeMonth.__table__
R = RegisterTotal.__table__
A = Agency.__table__
BY = ("agency", "month", "level")
TOTAL = "total"


@dataclass(frozen=True)
class Scope:
    """What a report covers: the period, the grouping, the agencies (None: all)."""

    period: Period
    by: str = "agency"
    agency_ids: frozenset[int] | None = None
    require_trust: bool = True
    violation_actions: tuple[str, ...] = ("tag", "quarantine", "reject")

    @property
    def m1(self) -> int:
        return self.period.first_month

    @property
    def m2(self) -> int:
        return self.period.last_month


def _cell(scope: Scope, month):
    """The cell a month falls in: itself with by="month" (a year earlier maps forward)."""
    if scope.by == "month":
        return case((month >= scope.m1, month), else_=month + 100)
    return literal_column("0", Integer)


def _in_scope(scope: Scope, column):
    if scope.agency_ids is None:
        return column.is_not(None)
    return column.in_(sorted(scope.agency_ids))


def _both_years(scope: Scope, month):
    return or_(month.between(scope.m1, scope.m2), month.between(scope.m1 - 100, scope.m2 - 100))


def _share(part, whole):
    return cast(part * 100, Float) / func.nullif(whole, 0)


def _counts(scope: Scope):
    """Per agency and cell: this period's sums and the same period a year before."""
    valid = M.c.signed_trusted if scope.require_trust else M.c.signed_valid
    inside = (
        select(M, _cell(scope, M.c.month).label("cell"), valid.label("valid"))
        .where(_in_scope(scope, M.c.agency_id), _both_years(scope, M.c.month))
        .subquery("months")
    )
    now_, before_ = inside.c.month >= scope.m1, inside.c.month < scope.m1

    def now(column):
        return func.coalesce(func.sum(case((now_, column), else_=0)), 0)

    def before(column):
        return func.coalesce(func.sum(case((before_, column), else_=0)), 0)

    return (
        select(
            inside.c.agency_id,
            inside.c.cell,
            now(inside.c.sent).label("sent"),
            before(inside.c.sent).label("sent_prev"),
            now(inside.c.received).label("received"),
            before(inside.c.received).label("received_prev"),
            now(inside.c.internal).label("internal"),
            now(inside.c.scanned).label("scanned"),
            now(inside.c.signed).label("signed"),
            now(inside.c.valid).label("valid"),
            now(inside.c.timed).label("timed"),
            now(inside.c.late).label("late"),
            func.max(case((now_, inside.c.max_delay), else_=null())).label("max_delay"),
        )
        .group_by(inside.c.agency_id, inside.c.cell)
        .subquery("counts")
    )


def _estimate(scope: Scope):
    """Documents issued per agency and cell, from the highest số seen so far in the year.

    Numbers restart at 01 on 1 January, so the running maximum of the year at the end of a
    month, minus the one at the end of the month before, is what was issued that month.
    """
    year_start = scope.period.year * 100 + 1
    monthly = (
        select(M.c.agency_id, M.c.month, M.c.top_number.label("top"))
        .where(
            M.c.top_number.is_not(None),
            _in_scope(scope, M.c.agency_id),
            M.c.month.between(year_start, scope.m2),
        )
        .subquery("monthly")
    )
    running = select(
        monthly.c.agency_id,
        monthly.c.month,
        func.max(monthly.c.top)
        .over(partition_by=monthly.c.agency_id, order_by=monthly.c.month, rows=(None, 0))
        .label("top"),
    ).subquery("running")
    issued = select(
        running.c.agency_id,
        running.c.month,
        (
            running.c.top
            - func.coalesce(
                func.lag(running.c.top).over(
                    partition_by=running.c.agency_id, order_by=running.c.month
                ),
                0,
            )
        ).label("issued"),
    ).subquery("issued")
    in_period = (
        select(issued.c.agency_id, _cell(scope, issued.c.month).label("cell"), issued.c.issued)
        .where(issued.c.month >= scope.m1)
        .subquery("issued_in_period")
    )
    return (
        select(
            in_period.c.agency_id,
            in_period.c.cell,
            func.sum(in_period.c.issued).label("estimate"),
        )
        .group_by(in_period.c.agency_id, in_period.c.cell)
        .subquery("estimate")
    )


def _register(scope: Scope):
    """Register totals per agency and cell, from the coarsest periods that cover the cell
    completely (a year total, else four quarters, else twelve months)."""
    cell_months = 1 if scope.by == "month" else len(scope.period.months)
    inside = (
        select(
            R.c.agency_id,
            _cell(scope, R.c.month_start).label("cell"),
            R.c.months,
            R.c.sent_total,
            R.c.received_total,
            R.c.records_total,
            R.c.records_online,
        )
        .where(
            R.c.month_start >= scope.m1,
            R.c.month_end <= scope.m2,
            _in_scope(scope, R.c.agency_id),
        )
        .subquery("inside")
    )

    def complete(column):
        return case((func.count(column) == func.count(), func.sum(column)), else_=null())

    grains = (
        select(
            inside.c.agency_id,
            inside.c.cell,
            inside.c.months,
            complete(inside.c.sent_total).label("sent"),
            complete(inside.c.received_total).label("received"),
            complete(inside.c.records_total).label("records"),
            complete(inside.c.records_online).label("records_online"),
            func.sum(inside.c.months).label("covered"),
        )
        .group_by(inside.c.agency_id, inside.c.cell, inside.c.months)
        .subquery("grains")
    )
    ranked = (
        select(
            grains,
            func.row_number()
            .over(partition_by=(grains.c.agency_id, grains.c.cell), order_by=grains.c.months.desc())
            .label("rank"),
        )
        .where(grains.c.covered == cell_months)
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1).subquery("register")


def _units(scope: Scope):
    """One row per agency and cell with its counts, its total and where the total is from."""
    counts, estimate, register = _counts(scope), _estimate(scope), _register(scope)
    keys = union(
        select(counts.c.agency_id, counts.c.cell),
        select(estimate.c.agency_id, estimate.c.cell),
        select(register.c.agency_id, register.c.cell),
    ).subquery("keys")

    def joined(table):
        return and_(table.c.agency_id == keys.c.agency_id, table.c.cell == keys.c.cell)

    total = func.coalesce(register.c.sent, estimate.c.estimate)
    has_total = total.is_not(None)

    def count(column):
        return func.coalesce(column, 0)

    if scope.by == "agency":
        group = cast(keys.c.agency_id, String(32))
    elif scope.by == "level":
        group = A.c.level
    else:
        group = cast(keys.c.cell, String(32))
    both_records = and_(register.c.records.is_not(None), register.c.records_online.is_not(None))
    return (
        select(
            group.label("grp"),
            count(counts.c.sent).label("sent"),
            count(counts.c.sent_prev).label("sent_prev"),
            count(counts.c.received).label("received"),
            count(counts.c.received_prev).label("received_prev"),
            count(counts.c.internal).label("internal"),
            count(counts.c.scanned).label("scanned"),
            count(counts.c.signed).label("signed"),
            count(counts.c.valid).label("valid"),
            count(counts.c.timed).label("timed"),
            count(counts.c.late).label("late"),
            counts.c.max_delay,
            total.label("total_sent"),
            case((has_total, count(counts.c.sent)), else_=0).label("sent_with_total"),
            case((has_total, count(counts.c.valid)), else_=0).label("valid_with_total"),
            case((register.c.sent.is_not(None), 1), else_=0).label("from_register"),
            case((register.c.sent.is_(None) & estimate.c.estimate.is_not(None), 1), else_=0).label(
                "from_estimate"
            ),
            register.c.received.label("received_total"),
            case((register.c.received.is_not(None), count(counts.c.received)), else_=0).label(
                "received_with_total"
            ),
            case((both_records, register.c.records), else_=null()).label("records"),
            case((both_records, register.c.records_online), else_=null()).label("records_online"),
        )
        .select_from(keys)
        .join(A, A.c.id == keys.c.agency_id)
        .outerjoin(counts, joined(counts))
        .outerjoin(estimate, joined(estimate))
        .outerjoin(register, joined(register))
        .cte("units")
    )


def _summed(units, group) -> list:
    def total(column):
        return func.coalesce(func.sum(column), 0)

    sent, prev = total(units.c.sent), total(units.c.sent_prev)
    received, received_prev = total(units.c.received), total(units.c.received_prev)
    total_sent = func.sum(units.c.total_sent)
    received_total = func.sum(units.c.received_total)
    return [
        group.label("grp"),
        sent.label("sent"),
        prev.label("sent_prev"),
        _share(sent - prev, prev).label("sent_change"),
        received.label("received"),
        received_prev.label("received_prev"),
        _share(received - received_prev, received_prev).label("received_change"),
        total(units.c.internal).label("internal"),
        total_sent.label("total_sent"),
        total(units.c.from_register).label("from_register"),
        total(units.c.from_estimate).label("from_estimate"),
        _share(total(units.c.sent_with_total), total_sent).label("electronic_share"),
        total(units.c.valid).label("fully_electronic"),
        _share(total(units.c.valid_with_total), total_sent).label("fully_electronic_share"),
        received_total.label("received_total"),
        _share(total(units.c.received_with_total), received_total).label("received_share"),
        func.sum(units.c.records).label("records"),
        func.sum(units.c.records_online).label("records_online"),
        _share(func.sum(units.c.records_online), func.sum(units.c.records)).label("online_share"),
        total(units.c.scanned).label("scanned"),
        _share(total(units.c.scanned), sent).label("scanned_share"),
        total(units.c.signed).label("signed"),
        _share(total(units.c.signed), sent).label("signed_share"),
        total(units.c.valid).label("valid"),
        _share(total(units.c.valid), sent).label("valid_share"),
        total(units.c.timed).label("timed"),
        total(units.c.late).label("late"),
        _share(total(units.c.late), total(units.c.timed)).label("late_share"),
        func.max(units.c.max_delay).label("max_delay"),
    ]


def figures(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """One dict per group (``grp``: agency id, level, or yyyymm, as text) and the total row
    (``grp == "total"``): counts, totals and shares (per cent, None when undefined)."""
    units = _units(scope)
    grouped = select(*_summed(units, units.c.grp)).group_by(units.c.grp)
    overall = select(*_summed(units, literal(TOTAL, String(32))))
    rows = session.execute(union_all(grouped, overall)).mappings().all()
    return [_plain(row) for row in rows]


def violations(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Messages with a violating verdict per group, action and rule: sent by the agency
    (outgoing) or addressed to it from outside (incoming); with total rows per action/rule."""
    actions = list(scope.violation_actions)
    current = E.c.month.between(scope.m1, scope.m2)
    one, zero = literal_column("1", Integer), literal_column("0", Integer)
    found = union_all(
        select(
            E.c.sender_agency_id.label("agency_id"),
            E.c.month.label("month"),
            E.c.policy_action.label("action"),
            E.c.policy_rule.label("rule"),
            one.label("outgoing"),
            zero.label("incoming"),
        ).where(
            E.c.send_row.is_(True),
            _in_scope(scope, E.c.sender_agency_id),
            E.c.policy_action.in_(actions),
            current,
        ),
        select(
            E.c.recipient_agency_id, E.c.month, E.c.policy_action, E.c.policy_rule, zero, one
        ).where(
            E.c.direction == "in",
            _in_scope(scope, E.c.recipient_agency_id),
            E.c.policy_action.in_(actions),
            current,
        ),
    ).subquery("found")
    # Count per agency and month first (the log rows are found by the policy index), then
    # label the groups: only the level needs the agencies table.
    counted = (
        select(
            found.c.agency_id,
            found.c.month,
            found.c.action,
            found.c.rule,
            func.sum(found.c.outgoing).label("outgoing"),
            func.sum(found.c.incoming).label("incoming"),
        )
        .group_by(found.c.agency_id, found.c.month, found.c.action, found.c.rule)
        .subquery("counted")
    )
    if scope.by == "agency":
        group = cast(counted.c.agency_id, String(32))
    elif scope.by == "level":
        group = A.c.level
    else:
        group = cast(counted.c.month, String(32))
    keyed = select(
        group.label("grp"),
        counted.c.action,
        counted.c.rule,
        counted.c.outgoing,
        counted.c.incoming,
    ).select_from(counted)
    if scope.by == "level":
        keyed = keyed.join(A, A.c.id == counted.c.agency_id)
    keyed = keyed.cte("keyed")

    def summed(grp):
        return [
            grp.label("grp"),
            keyed.c.action,
            keyed.c.rule,
            func.sum(keyed.c.outgoing).label("outgoing"),
            func.sum(keyed.c.incoming).label("incoming"),
        ]

    grouped = select(*summed(keyed.c.grp)).group_by(keyed.c.grp, keyed.c.action, keyed.c.rule)
    overall = select(*summed(literal(TOTAL, String(32)))).group_by(keyed.c.action, keyed.c.rule)
    rows = session.execute(union_all(grouped, overall)).mappings().all()
    return [_plain(row) for row in rows]


def unattributed(session: Session, scope: Scope) -> int:
    """Messages of the period with no agency on either side (the directory lacks them)."""
    return (
        session.scalar(
            select(func.count(func.distinct(E.c.message_id))).where(
                E.c.direction == "unattributed",
                E.c.sender_agency_id.is_(None),
                E.c.month.between(scope.m1, scope.m2),
            )
        )
        or 0
    )


def _plain(row) -> dict[str, Any]:
    """Database numbers as Python ints and floats (PostgreSQL sums come back as Decimal)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        out[key] = value
    return out
