"""A report as data: tables of rows, column labels, notes. Renderers only format it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How a column's values are shown: counts, shares in per cent, working days, text.
KINDS = ("text", "int", "percent", "days")

ESTIMATE = "estimate"
REGISTER = "register"
MIXED = "register+estimate"
SOURCE_LABELS = {
    REGISTER: "sổ đăng ký",
    ESTIMATE: "ước tính",
    MIXED: "sổ đăng ký + ước tính",
}
# (share, target, "min" = must reach it, "max" = must stay below it), for renderers.
CHECKS = {
    "electronic": [("electronic_share", "electronic_target", "min")],
    "received": [("online_share", "online_target", "min")],
    "signatures": [
        ("scanned_share", "scanned_max", "max"),
        ("signed_share", "signed_target", "min"),
    ],
}
ESTIMATE_NOTE = (
    "Ước tính (estimate): không có số liệu sổ đăng ký cho kỳ này, tổng số văn bản đi được "
    "ước tính từ số văn bản lớn nhất cơ quan đã cấp trong năm (số văn bản chạy liên tục từ "
    "01/01); tỷ lệ tính trên tổng ước tính."
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese, for people
    kind: str = "int"


@dataclass
class Table:
    key: str  # machine name: exchange, electronic, received, signatures, late, violations
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Report:
    title: str
    period: str
    previous_period: str
    by: str
    filters: dict[str, str]
    generated_at: datetime
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    estimated: bool = False

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON form (``govmail report --format json``)."""
        return {
            "title": self.title,
            "period": self.period,
            "previous_period": self.previous_period,
            "by": self.by,
            "filters": self.filters,
            "generated_at": self.generated_at.isoformat(),
            "estimated": self.estimated,
            "notes": self.notes,
            "tables": {
                t.key: {
                    "title": t.title,
                    "columns": [
                        {"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns
                    ],
                    "rows": t.rows,
                }
                for t in self.tables
            },
        }
