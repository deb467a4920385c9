"""How values look: Vietnamese number style for people, plain numbers for CSV."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reports.aggregate import TOTAL
from reports.model import CHECKS, SOURCE_LABELS, Column, Table
from reports.report import LEVEL_LABELS

MISSING = "—"
FILTER_LABELS = {"agency": "Cơ quan", "level": "Cấp"}


def vn_int(value: int) -> str:
    """``12345`` → ``12.345`` (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def one_decimal(value: float) -> str:
    """``55.55`` → ``55.6``: one decimal, halves rounded up as people (and Excel) do, not
    to even on the binary float (which gives ``55.5``)."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def vn_percent(value: float) -> str:
    """``55.55`` → ``55,6`` (one decimal, Vietnamese decimal comma)."""
    return one_decimal(value).replace(".", ",")


def display(value: Any, column: Column) -> str:
    """A cell for people (terminal, HTML, charts)."""
    if value is None:
        return MISSING
    if column.key == "group" and value == TOTAL:
        return ""  # the name column says "Tổng cộng"
    if column.key == "total_source":
        return SOURCE_LABELS.get(value, value)
    if column.kind == "percent":
        return vn_percent(value)
    if column.kind in ("int", "days"):
        return vn_int(int(value))
    return str(value)


def filter_label(key: str, value: str) -> tuple[str, str]:
    """A report filter for people: ``("level", "commune")`` → ``("Cấp", "Cấp xã")``."""
    if key == "level":
        value = LEVEL_LABELS.get(value, value)
    return FILTER_LABELS.get(key, key), value


def plain(value: Any, column: Column) -> str:
    """A cell for CSV: plain numbers (dot decimal, one decimal for shares), empty for none."""
    if value is None:
        return ""
    if column.kind == "percent":
        return one_decimal(value)
    if column.kind in ("int", "days"):
        return str(int(value))
    return str(value)


def verdicts(table: Table, row: dict[str, Any]) -> dict[str, bool]:
    """Share column → whether it meets its target (absent when either side is missing)."""
    out = {}
    for share, target, mode in CHECKS.get(table.key, []):
        value, goal = row.get(share), row.get(target)
        if value is None or goal is None:
            continue
        out[share] = value >= goal if mode == "min" else value < goal
    return out


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
