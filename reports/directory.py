"""The agency directory in the database: import a file, list, show, load for attribution."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from archive.addresses import normalise_domain
from archive.models import Agency, AgencyAddress, AgencyCodeRow, AgencyDomain, Exchange
from reports.agency_codes import AgencyCodeError, parse_code
from reports.attribution import CodeSpan, Directory
from reports.directory_import import (
    DIRECTORY_COLUMNS,
    REQUIRED_COLUMNS,
    AgencyGroup,
    ImportPlan,
    Snapshot,
    plan_import,
)
from reports.table_file import RowError, read_table


class AgencyNotFound(LookupError):
    """No agency of the directory has this code."""


@dataclass
class ImportOutcome:
    """What an import did (or would have done): counts, and the errors by line."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "codes": self.codes,
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
            "skipped_lines": self.skipped_lines,
            "ignored_columns": self.ignored_columns,
        }


def import_file(session: Session, path: Path, skip_bad: bool = False) -> ImportOutcome:
    """Check the whole file, then write it in the caller's transaction — or nothing at all.

    With errors and without ``skip_bad`` nothing is written. ``TableFileError`` (the
    file cannot be read at all) propagates.
    """
    table = read_table(path, DIRECTORY_COLUMNS, REQUIRED_COLUMNS)
    plan = plan_import(table, snapshot(session))
    outcome = ImportOutcome(errors=plan.errors, ignored_columns=plan.ignored_columns)
    if plan.errors and not skip_bad:
        return outcome
    outcome.skipped_lines = sorted(plan.bad_lines)
    _apply(session, plan, outcome)
    outcome.applied = True
    return outcome


def snapshot(session: Session) -> Snapshot:
    snap = Snapshot()
    labels: dict[int, str] = {}
    for agency_id, name in session.execute(select(Agency.id, Agency.name)):
        labels[agency_id] = name
    for agency_id, code in session.execute(select(AgencyCodeRow.agency_id, AgencyCodeRow.code)):
        snap.code_agency.setdefault(code, set()).add(agency_id)
        labels[agency_id] = f"{code} {labels.get(agency_id, '')}".strip()
    snap.label = labels
    snap.domain_agency = dict(
        session.execute(select(AgencyDomain.domain, AgencyDomain.agency_id)).all()
    )
    snap.address_agency = dict(
        session.execute(select(AgencyAddress.address, AgencyAddress.agency_id)).all()
    )
    snap.parent_of = dict(session.execute(select(Agency.id, Agency.parent_id)).all())
    return snap


def _apply(session: Session, plan: ImportPlan, outcome: ImportOutcome) -> None:
    existing = [g.agency_id for g in plan.groups if g.agency_id is not None]
    before = _states(session, existing)
    _write_plan(session, plan, outcome, existing)
    after = _states(session, existing)
    changed = sum(1 for agency_id, was in before.items() if after[agency_id] != was)
    outcome.updated, outcome.unchanged = changed, len(before) - changed


def _states(session: Session, agency_ids: list[int]) -> dict[int, tuple]:
    """Everything an import can change about these agencies, in four queries: the same
    file imported again changes nothing, and says so (row ids of domains and addresses do
    not count)."""
    if not agency_ids:
        return {}
    codes: dict[int, list[tuple]] = {i: [] for i in agency_ids}
    domains: dict[int, list[str]] = {i: [] for i in agency_ids}
    addresses: dict[int, list[str]] = {i: [] for i in agency_ids}
    for agency_id, *code in session.execute(
        select(AgencyCodeRow.agency_id, AgencyCodeRow.code, AgencyCodeRow.name,
               AgencyCodeRow.valid_from, AgencyCodeRow.valid_to)
        .where(AgencyCodeRow.agency_id.in_(agency_ids))
    ):  # fmt: skip
        codes[agency_id].append(tuple(code))
    for model, column, found in (
        (AgencyDomain, AgencyDomain.domain, domains),
        (AgencyAddress, AgencyAddress.address, addresses),
    ):
        for agency_id, value in session.execute(
            select(model.agency_id, column).where(model.agency_id.in_(agency_ids))
        ):
            found[agency_id].append(value)
    return {
        agency_id: (name, level, notation, parent_id, sorted(codes[agency_id], key=repr),
                    sorted(domains[agency_id]), sorted(addresses[agency_id]))
        for agency_id, name, level, notation, parent_id in session.execute(
            select(Agency.id, Agency.name, Agency.level, Agency.notation, Agency.parent_id)
            .where(Agency.id.in_(agency_ids))
        )
    }  # fmt: skip


def _write_plan(
    session: Session, plan: ImportPlan, outcome: ImportOutcome, existing: list[int]
) -> None:
    # Domains and addresses may move between agencies of the file: free them all first.
    for column, model in (("domains", AgencyDomain), ("addresses", AgencyAddress)):
        if column in plan.columns and existing:
            session.execute(delete(model).where(model.agency_id.in_(existing)))
    by_code: dict[str, Agency] = {}
    for group in plan.groups:
        agency = _upsert_agency(session, group, plan.columns, outcome)
        for code in group.codes:
            by_code[code] = agency
    session.flush()
    for group in plan.groups:
        agency = by_code[group.latest.code]
        if "domains" in plan.columns:
            session.add_all(AgencyDomain(agency_id=agency.id, domain=d) for d in group.domains())
        if "addresses" in plan.columns:
            session.add_all(
                AgencyAddress(agency_id=agency.id, address=a) for a in group.addresses()
            )
    session.flush()
    for group in plan.groups:
        agency = by_code[group.latest.code]
        if group.parent_code is None:
            agency.parent_id = None
            continue
        parent = by_code.get(group.parent_code)
        if parent is None:
            parent_id = session.scalar(
                select(AgencyCodeRow.agency_id)
                .where(AgencyCodeRow.code == group.parent_code)
                .order_by(AgencyCodeRow.agency_id)
                .limit(1)
            )
        else:
            parent_id = parent.id
        agency.parent_id = parent_id
    session.flush()


def _upsert_agency(
    session: Session, group: AgencyGroup, columns: set[str], outcome: ImportOutcome
) -> Agency:
    latest = group.latest
    if group.agency_id is None:
        agency = Agency(name=latest.name, level=latest.level)
        session.add(agency)
        outcome.created += 1
    else:
        agency = session.get(Agency, group.agency_id, options=[selectinload(Agency.codes)])
    agency.name = latest.name
    agency.level = latest.level
    if "notation" in columns:
        agency.notation = latest.notation
    session.flush()
    for row in group.rows:
        _upsert_code(session, agency, row)
        outcome.codes += 1
    return agency


def _upsert_code(session: Session, agency: Agency, row) -> None:
    same = session.scalars(
        select(AgencyCodeRow).where(
            AgencyCodeRow.agency_id == agency.id, AgencyCodeRow.code == row.code
        )
    ).all()
    exact = [c for c in same if c.valid_from == row.valid_from]
    target = exact[0] if exact else (same[0] if len(same) == 1 else None)
    if target is None:
        target = AgencyCodeRow(agency_id=agency.id, code=row.code)
        session.add(target)
    target.name = row.name
    target.valid_from = row.valid_from
    target.valid_to = row.valid_to
    session.flush()


# -- reading ----------------------------------------------------------------------------


def load_directory(session: Session) -> Directory:
    """The whole directory in memory, for attribution and labels (three small queries)."""
    directory = Directory()
    for agency_id, name, level, parent_id, notation in session.execute(
        select(Agency.id, Agency.name, Agency.level, Agency.parent_id, Agency.notation)
    ):
        directory.names[agency_id] = name
        directory.levels[agency_id] = level
        directory.parents[agency_id] = parent_id
        directory.notations[agency_id] = notation
    for row in session.execute(
        select(
            AgencyCodeRow.agency_id,
            AgencyCodeRow.code,
            AgencyCodeRow.valid_from,
            AgencyCodeRow.valid_to,
        )
    ):
        directory.codes.setdefault(row.agency_id, []).append(
            CodeSpan(row.code, row.valid_from, row.valid_to)
        )
    directory.domains = dict(
        session.execute(select(AgencyDomain.domain, AgencyDomain.agency_id)).all()
    )
    directory.addresses = dict(
        session.execute(select(AgencyAddress.address, AgencyAddress.agency_id)).all()
    )
    return directory


def find_agency(session: Session, code: str, day: date | None = None) -> Agency:
    """By any accepted spelling of any of its codes (on reuse, the one valid on ``day``),
    or by one of its mail domains: a clerk's web account may name its agency that way."""
    try:
        parsed = parse_code(code)
    except AgencyCodeError as exc:
        agency = _by_domain(session, code)
        if agency is None:
            raise AgencyNotFound(f"{exc}, or one of its mail domains") from None
        return agency
    full = parsed.full
    rows = session.scalars(select(AgencyCodeRow).where(AgencyCodeRow.code == full)).all()
    if not rows:
        raise AgencyNotFound(f"no agency with code {full} ({parsed.short}) in the directory")
    if day is not None:
        current = [r for r in rows if CodeSpan(r.code, r.valid_from, r.valid_to).covers(day)]
        rows = current or rows
    chosen = max(rows, key=lambda r: (r.valid_to is None, r.valid_from or date.min))
    agency = session.get(Agency, chosen.agency_id)
    assert agency is not None
    return agency


def _by_domain(session: Session, text: str) -> Agency | None:
    """The agency whose own domain ``text`` is (``vanthu@`` before it is allowed)."""
    domain = normalise_domain(text.rsplit("@", 1)[-1])
    if "." not in domain:
        return None
    agency_id = session.scalar(select(AgencyDomain.agency_id).where(AgencyDomain.domain == domain))
    return session.get(Agency, agency_id) if agency_id is not None else None


def list_agencies(
    session: Session, level: str | None = None, day: date | None = None
) -> list[dict[str, Any]]:
    """One dict per agency (code valid on ``day``, else the latest), sorted by code."""
    directory = load_directory(session)
    counts = _counts(session)
    result = []
    for agency_id, name in directory.names.items():
        if level and directory.levels[agency_id] != level:
            continue
        parent = directory.parents[agency_id]
        code = directory.code_at(agency_id, day)
        result.append(
            {
                "id": agency_id,
                "code": code,
                "short": parse_code(code).short if code else "",
                "name": name,
                "level": directory.levels[agency_id],
                "parent": directory.code_at(parent, day) if parent else None,
                "domains": counts["domains"].get(agency_id, 0),
                "addresses": counts["addresses"].get(agency_id, 0),
            }
        )
    result.sort(key=lambda a: (a["code"][-3:], a["code"], a["id"]))  # level-1 code first
    return result


def _counts(session: Session) -> dict[str, dict[int, int]]:
    out = {}
    for key, model in (("domains", AgencyDomain), ("addresses", AgencyAddress)):
        rows = session.execute(select(model.agency_id, func.count()).group_by(model.agency_id))
        out[key] = dict(rows.all())
    return out


def agency_detail(session: Session, agency: Agency) -> dict[str, Any]:
    """Everything about one agency, for ``govmail agencies show`` (stable JSON keys)."""
    directory = load_directory(session)
    children = sorted(
        (directory.code_at(a), directory.names[a])
        for a, p in directory.parents.items()
        if p == agency.id
    )
    sent = session.scalar(
        select(func.coalesce(func.sum(Exchange.documents), 0)).where(
            Exchange.sender_agency_id == agency.id,
            Exchange.send_row.is_(True),
            Exchange.direction != "internal",
        )
    )
    received = session.scalar(
        select(func.coalesce(func.sum(Exchange.documents), 0)).where(
            Exchange.recipient_agency_id == agency.id,
            Exchange.direction.in_(("between", "in")),
        )
    )
    codes = sorted(
        directory.codes.get(agency.id, []), key=lambda s: (s.valid_from or date.min, s.code)
    )
    parent = directory.parents.get(agency.id)
    return {
        "id": agency.id,
        "code": directory.code_at(agency.id, date.today()),
        "name": agency.name,
        "level": agency.level,
        "notation": agency.notation,
        "parent": (
            {"code": directory.code_at(parent), "name": directory.names[parent]} if parent else None
        ),
        "codes": [
            {
                "code": s.code,
                "short": parse_code(s.code).short,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
            }
            for s in codes
        ],
        "domains": sorted(d for d, a in directory.domains.items() if a == agency.id),
        "addresses": sorted(d for d, a in directory.addresses.items() if a == agency.id),
        "children": [{"code": c, "name": n} for c, n in children],
        "documents_sent": int(sent or 0),
        "documents_received": int(received or 0),
    }
