"""Register totals: how many documents an agency really sent and received, paper included.

Mail alone cannot see paper, so the electronic share needs the count from the agencies'
registers (sổ đăng ký văn bản đi/đến). A CSV gives it per agency and period::

    code,period,sent,received,records,records_online
    000.00.00.H43,2024Q1,412,980,350,341

Where no register total covers a period, reports estimate văn bản đi from the agency's
own numbering (``reports.report``); the estimate is labelled in every output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from archive.models import RegisterTotal
from reports.directory import AgencyNotFound, find_agency
from reports.periods import PeriodError, parse_period
from reports.table_file import RowError, cell_text, read_table

TOTALS_COLUMNS = {
    "code": ("code", "ma", "ma_dinh_danh", "ma_co_quan", "organ_id"),
    "period": ("period", "ky", "ky_bao_cao", "thoi_gian"),
    "sent": ("sent", "sent_total", "van_ban_di", "vb_di", "so_van_ban_di"),
    "received": ("received", "received_total", "van_ban_den", "vb_den", "so_van_ban_den"),
    "records": ("records", "records_total", "ho_so", "ho_so_cong_viec"),
    "records_online": ("records_online", "ho_so_truc_tuyen", "ho_so_xu_ly_tren_mang"),
}
FIGURES = ("sent", "received", "records", "records_online")


@dataclass
class TotalsOutcome:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "imported": self.imported,
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
        }


def import_totals(session: Session, path: Path) -> TotalsOutcome:
    """Check every row, then replace the totals of each (agency, period) — or write nothing."""
    table = read_table(path, TOTALS_COLUMNS, ("code", "period"))
    outcome = TotalsOutcome()
    rows: dict[tuple[int, int, int], tuple[int, dict[str, Any]]] = {}
    for line, raw in table.rows:
        row = _check_row(session, line, raw, outcome.errors)
        if row is None:
            continue
        key = (row["agency_id"], row["month_start"], row["month_end"])
        if key in rows:
            outcome.errors.append(
                RowError(line, "period", f"same agency and period as line {rows[key][0]}")
            )
            continue
        rows[key] = (line, row)
    if outcome.errors:
        return outcome
    for (agency_id, start, end), (_line, row) in rows.items():
        session.execute(
            delete(RegisterTotal).where(
                RegisterTotal.agency_id == agency_id,
                RegisterTotal.month_start == start,
                RegisterTotal.month_end == end,
            )
        )
        session.add(RegisterTotal(**row))
    session.flush()
    outcome.imported, outcome.applied = len(rows), True
    return outcome


def _check_row(
    session: Session, line: int, raw: dict[str, Any], errors: list[RowError]
) -> dict[str, Any] | None:
    start = len(errors)
    try:
        period = parse_period(cell_text(raw.get("period")))
    except PeriodError as exc:
        errors.append(RowError(line, "period", str(exc)))
        period = None
    agency_id = None
    try:
        agency_id = find_agency(
            session, cell_text(raw.get("code")), period.end if period else None
        ).id
    except AgencyNotFound as exc:
        errors.append(RowError(line, "code", str(exc)))
    figures: dict[str, int | None] = {}
    for name in FIGURES:
        text = cell_text(raw.get(name)).replace(".", "").replace(",", "").replace(" ", "")
        if not text:
            figures[name] = None
        elif text.isdigit():
            figures[name] = int(text)
        else:
            errors.append(RowError(line, name, f"{cell_text(raw.get(name))!r} is not a count"))
    if not any(figures.get(name) is not None for name in FIGURES) and len(errors) == start:
        errors.append(RowError(line, "sent", "no figure on this line"))
    online, records = figures.get("records_online"), figures.get("records")
    if online is not None and records is not None and online > records:
        errors.append(RowError(line, "records_online", f"{online} is more than records {records}"))
    if len(errors) > start or period is None or agency_id is None:
        return None
    return {
        "agency_id": agency_id,
        "month_start": period.first_month,
        "month_end": period.last_month,
        "months": len(period.months),
        "sent_total": figures["sent"],
        "received_total": figures["received"],
        "records_total": figures["records"],
        "records_online": figures["records_online"],
    }
