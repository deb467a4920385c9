"""Checking an agency directory file against itself and the database, before any write.

Pure: rows and a snapshot of the directory in, a plan (one group of rows per agency) and
line-numbered errors out. Rows with the same code, or linked by ``previous_code``, are one
agency; its name, level, parent and abbreviation come from its latest code. A row that
depends on a bad row (its parent, its previous code) is bad too, so ``--skip-bad`` never
imports half an agency.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive.addresses import normalise_address, normalise_domain
from config.sections.reports import LEVELS
from reports.agency_codes import AgencyCodeError, parse_code
from reports.table_file import RawTable, RowError, cell_date, cell_text, fold

# Column keys and the (folded) header names that mean them, English or Vietnamese.
DIRECTORY_COLUMNS = {
    "code": ("code", "ma", "ma_dinh_danh", "organ_id", "organid", "ma_co_quan", "ma_don_vi"),
    "name": ("name", "ten", "ten_co_quan", "ten_don_vi", "organ_name"),
    "level": ("level", "cap", "cap_hanh_chinh"),
    "parent": ("parent", "parent_code", "cap_tren", "ma_cap_tren", "co_quan_cap_tren"),
    "domains": ("domains", "domain", "ten_mien"),
    "addresses": ("addresses", "address", "emails", "email", "hop_thu", "dia_chi_thu"),
    "valid_from": ("valid_from", "tu_ngay", "hieu_luc_tu"),
    "valid_to": ("valid_to", "den_ngay", "hieu_luc_den"),
    "notation": ("notation", "ky_hieu", "viet_tat", "ky_hieu_viet_tat"),
    "previous_code": ("previous_code", "ma_cu", "replaces", "thay_ma"),
}
REQUIRED_COLUMNS = ("code", "name", "level")
LEVEL_ALIASES = {
    "province": ("province", "tinh", "cap_tinh", "ubnd_tinh", "thanh_pho"),
    "department": ("department", "so", "so_nganh", "cap_so", "ban_nganh", "co_quan_chuyen_mon"),
    "district": ("district", "huyen", "cap_huyen", "quan", "thi_xa"),
    "commune": ("commune", "xa", "cap_xa", "phuong", "thi_tran"),
    "central": ("central", "trung_uong", "bo", "bo_nganh"),
    "other": ("other", "khac"),
}
_LEVELS = {alias: level for level, aliases in LEVEL_ALIASES.items() for alias in aliases}
_SPLIT = re.compile(r"[\s;,]+")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
assert set(LEVEL_ALIASES) == set(LEVELS)


@dataclass(frozen=True)
class AgencyRow:
    line: int
    code: str  # full form
    name: str
    level: str
    parent: str | None = None  # full code, as written in the file
    domains: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    notation: str | None = None
    previous_code: str | None = None


@dataclass
class Snapshot:
    """What the database holds now, as far as checking a file needs."""

    code_agency: dict[str, set[int]] = field(default_factory=dict)  # code -> agency ids
    domain_agency: dict[str, int] = field(default_factory=dict)
    address_agency: dict[str, int] = field(default_factory=dict)
    parent_of: dict[int, int | None] = field(default_factory=dict)
    label: dict[int, str] = field(default_factory=dict)  # agency id -> "code name"


@dataclass
class AgencyGroup:
    """The rows of one agency, and the existing agency they update (None: a new one)."""

    rows: list[AgencyRow]
    agency_id: int | None = None
    parent_code: str | None = None

    @property
    def latest(self) -> AgencyRow:
        return max(self.rows, key=lambda r: (r.valid_to is None, r.valid_from or date.min))

    @property
    def codes(self) -> set[str]:
        return {r.code for r in self.rows}

    def domains(self) -> set[str]:
        return {d for r in self.rows for d in r.domains}

    def addresses(self) -> set[str]:
        return {a for r in self.rows for a in r.addresses}


@dataclass
class ImportPlan:
    groups: list[AgencyGroup]
    errors: list[RowError]
    columns: set[str]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors}


def parse_rows(table: RawTable) -> tuple[list[AgencyRow], list[RowError]]:
    """Check each row on its own: codes, names, levels, dates, domains, addresses.

    Every row is returned, the bad ones too (their code, if readable, names them later).
    """
    rows, errors = [], []
    for line, raw in table.rows:
        rows.append(_parse_row(line, raw, errors))
    return rows, errors


def _parse_row(line: int, raw: dict[str, Any], errors: list[RowError]) -> AgencyRow:
    def bad(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    code = _code(raw.get("code"), "code", bad, required=True)
    name = cell_text(raw.get("name"))
    if not name:
        bad("name", "empty (every agency needs its name)")
    level_text = cell_text(raw.get("level"))
    level = _LEVELS.get(fold(level_text))
    if level is None:
        bad("level", f"{level_text!r} is not a level (use {', '.join(LEVELS)})")
    valid_from = _date(raw.get("valid_from"), "valid_from", bad)
    valid_to = _date(raw.get("valid_to"), "valid_to", bad)
    if valid_from and valid_to and valid_to < valid_from:
        bad("valid_to", f"{valid_to} is before valid_from {valid_from}")
    row = AgencyRow(
        line=line,
        code=code or "",
        name=name,
        level=level or "",
        parent=_code(raw.get("parent"), "parent", bad),
        domains=_domains(raw.get("domains"), bad),
        addresses=_addresses(raw.get("addresses"), bad),
        valid_from=valid_from,
        valid_to=valid_to,
        notation=cell_text(raw.get("notation")) or None,
        previous_code=_code(raw.get("previous_code"), "previous_code", bad),
    )
    if row.notation and len(row.notation) > 32:
        bad("notation", "longer than 32 characters")
    if row.parent and row.parent == row.code:
        bad("parent", "an agency cannot be its own parent")
    if row.previous_code and row.previous_code == row.code:
        bad("previous_code", "same as the code itself")
    return row


def _code(value: Any, column: str, bad, required: bool = False) -> str | None:
    text = cell_text(value)
    if not text:
        if required:
            bad(column, "empty (every row needs the agency's identifier code)")
        return None
    try:
        return parse_code(text).full
    except AgencyCodeError as exc:
        bad(column, str(exc))
        return None


def _date(value: Any, column: str, bad) -> date | None:
    try:
        return cell_date(value)
    except ValueError:
        bad(column, f"{cell_text(value)!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        return None


def _domains(value: Any, bad) -> tuple[str, ...]:
    found = []
    for item in _SPLIT.split(cell_text(value)):
        if not item:
            continue
        domain = normalise_domain(item.lstrip("@").lstrip("*."))
        if not _valid_domain(domain):
            bad("domains", f"{item!r} is not a mail domain")
            continue
        found.append(domain)
    return tuple(dict.fromkeys(found))


def _addresses(value: Any, bad) -> tuple[str, ...]:
    found = []
    for item in _SPLIT.split(cell_text(value)):
        if not item:
            continue
        address = normalise_address(item)
        local, at, domain = address.rpartition("@")
        if not at or not local or not _valid_domain(domain):
            bad("addresses", f"{item!r} is not a mail address")
            continue
        found.append(address)
    return tuple(dict.fromkeys(found))


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return len(labels) >= 2 and len(domain) <= 253 and all(_LABEL.match(x) for x in labels)


# -- checks across rows and against the database ------------------------------------------


def plan_import(table: RawTable, snapshot: Snapshot) -> ImportPlan:
    """Group the rows into agencies and find every error (each row at most once per kind)."""
    rows, errors = parse_rows(table)
    bad: set[int] = {e.line for e in errors}
    while True:
        good = [r for r in rows if r.line not in bad]
        bad_codes = {r.code: r.line for r in rows if r.line in bad and r.code}
        groups, found = _check(good, snapshot, table.columns, bad_codes)
        found = [e for e in found if e.line not in bad]
        if not found:
            break
        errors += found
        bad |= {e.line for e in found}
    errors.sort()
    return ImportPlan(groups, errors, table.columns, table.ignored)


def _check(
    rows: list[AgencyRow], snapshot: Snapshot, columns: set[str], bad_codes: dict[str, int]
) -> tuple[list[AgencyGroup], list[RowError]]:
    errors: list[RowError] = []
    rows = _unique_rows(rows, errors)
    groups = _group(rows)
    file_codes = {code: g for g in groups for code in g.codes}
    known = set(file_codes) | set(snapshot.code_agency)
    for group in groups:
        for row in group.rows:
            for column in ("previous_code", "parent"):
                code = getattr(row, column)
                if code and code not in known:
                    errors.append(RowError(row.line, column, _unknown(code, bad_codes)))
        _resolve_agency(group, snapshot, errors)
        _resolve_parent(group, known)
    errors += _overlaps(groups)
    errors += _ownership(groups, snapshot, columns, "domains", snapshot.domain_agency)
    errors += _ownership(groups, snapshot, columns, "addresses", snapshot.address_agency)
    errors += _cycles(groups, file_codes, snapshot)
    return groups, errors


def _unknown(code: str, bad_codes: dict[str, int]) -> str:
    if code in bad_codes:
        return f"{code} is on line {bad_codes[code]}, which has errors"
    return f"{code} is neither in this file nor in the directory"


def _unique_rows(rows: list[AgencyRow], errors: list[RowError]) -> list[AgencyRow]:
    seen: dict[tuple[str, date | None], int] = {}
    kept = []
    for row in rows:
        key = (row.code, row.valid_from)
        if key in seen:
            errors.append(RowError(row.line, "code", f"{row.code} is already on line {seen[key]}"))
            continue
        seen[key] = row.line
        kept.append(row)
    return kept


def _group(rows: list[AgencyRow]) -> list[AgencyGroup]:
    """Union of rows that share a code or are linked by previous_code."""
    parent: dict[str, str] = {}

    def find(code: str) -> str:
        while parent.setdefault(code, code) != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    for row in rows:
        find(row.code)
        if row.previous_code:
            parent[find(row.previous_code)] = find(row.code)
    by_root: dict[str, list[AgencyRow]] = defaultdict(list)
    for row in rows:
        by_root[find(row.code)].append(row)
    return [AgencyGroup(rows=members) for members in by_root.values()]


def _resolve_agency(group: AgencyGroup, snapshot: Snapshot, errors: list[RowError]) -> None:
    ids: dict[int, AgencyRow] = {}
    for row in group.rows:
        for code in (row.code, row.previous_code):
            for agency_id in snapshot.code_agency.get(code or "", ()):
                ids.setdefault(agency_id, row)
    if len(ids) > 1:
        first, *others = sorted(ids)
        for other in others:
            row = ids[other]
            errors.append(
                RowError(
                    row.line,
                    "code",
                    f"joins two agencies of the directory ({snapshot.label.get(first, first)} "
                    f"and {snapshot.label.get(other, other)})",
                )
            )
    group.agency_id = min(ids) if ids else None


def _resolve_parent(group: AgencyGroup, known: set[str]) -> None:
    latest = group.latest
    if latest.parent:
        group.parent_code = latest.parent
        return
    structural = parse_code(latest.code).parent
    group.parent_code = structural.full if structural and structural.full in known else None


def _overlaps(groups: list[AgencyGroup]) -> list[RowError]:
    errors = []
    for group in groups:
        by_code: dict[str, list[AgencyRow]] = defaultdict(list)
        for row in group.rows:
            by_code[row.code].append(row)
        for rows in by_code.values():
            rows.sort(key=lambda r: r.valid_from or date.min)
            for before, after in itertools.pairwise(rows):
                if before.valid_to is None or (
                    after.valid_from is not None and before.valid_to >= after.valid_from
                ):
                    errors.append(
                        RowError(
                            after.line,
                            "valid_from",
                            f"{after.code} overlaps its validity on line {before.line}",
                        )
                    )
    return errors


def _ownership(
    groups: list[AgencyGroup],
    snapshot: Snapshot,
    columns: set[str],
    column: str,
    existing: dict[str, int],
) -> list[RowError]:
    """A domain or address belongs to one agency, in the file and in the final directory."""
    if column not in columns:
        return []
    replaced = {g.agency_id for g in groups if g.agency_id is not None}
    owner: dict[str, tuple[Any, int | None]] = {
        key: ("db", agency) for key, agency in existing.items() if agency not in replaced
    }
    errors = []
    for index, group in enumerate(groups):
        for row in group.rows:
            for item in getattr(row, column):
                held = owner.get(item)
                if held is None or held == ("file", index):
                    owner[item] = ("file", index)
                    continue
                kind, where = held
                if kind == "db":
                    whose = snapshot.label.get(where, where)
                else:
                    whose = f"the agency on line {groups[where].rows[0].line}"
                errors.append(RowError(row.line, column, f"{item} already belongs to {whose}"))
    return errors


def _cycles(
    groups: list[AgencyGroup], file_codes: dict[str, AgencyGroup], snapshot: Snapshot
) -> list[RowError]:
    def node_of(code: str | None):
        if code is None:
            return None
        if code in file_codes:
            group = file_codes[code]
            return ("agency", group.agency_id) if group.agency_id else ("new", id(group))
        ids = snapshot.code_agency.get(code)
        return ("agency", min(ids)) if ids else None

    parent: dict[Any, Any] = {}
    for agency_id, parent_id in snapshot.parent_of.items():
        parent[("agency", agency_id)] = ("agency", parent_id) if parent_id else None
    for group in groups:
        parent[node_of(group.latest.code)] = node_of(group.parent_code)
    errors = []
    for group in groups:
        start = node_of(group.latest.code)
        node, steps = parent.get(start), 0
        while node is not None and steps <= len(parent):
            if node == start:
                errors.append(
                    RowError(group.latest.line, "parent", "the parent chain loops back here")
                )
                break
            node, steps = parent.get(node), steps + 1
    return errors
