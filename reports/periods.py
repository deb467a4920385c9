"""Report periods: a year (``2023``), a quarter (``2023Q1``) or a month (``2023-05``).

Months are handled as integers ``yyyymm`` (202305), the form the exchange log stores, so
period filters are plain integer ranges on every database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$|^[Qq]([1-4])\s*[/-]\s*(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})/(\d{4})$")


class PeriodError(ValueError):
    """Not a period; the message shows the accepted forms."""


@dataclass(frozen=True)
class Period:
    kind: str  # year | quarter | month
    year: int
    index: int = 0  # quarter 1–4 or month 1–12; 0 for a year

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        return str(self.year)

    @property
    def first_month(self) -> int:
        if self.kind == "quarter":
            return self.year * 100 + 3 * self.index - 2
        if self.kind == "month":
            return self.year * 100 + self.index
        return self.year * 100 + 1

    @property
    def last_month(self) -> int:
        if self.kind == "quarter":
            return self.year * 100 + 3 * self.index
        if self.kind == "month":
            return self.year * 100 + self.index
        return self.year * 100 + 12

    @property
    def months(self) -> list[int]:
        return list(range(self.first_month, self.last_month + 1))

    @property
    def start(self) -> date:
        return date(self.year, self.first_month % 100, 1)

    @property
    def end(self) -> date:
        month = self.last_month % 100
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def previous_year(self) -> Period:
        return Period(self.kind, self.year - 1, self.index)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """``2023``, ``2023Q1`` (also ``Q1/2023``), ``2023-05`` (also ``05/2023``)."""
    raw = (text or "").strip()
    if m := _YEAR.match(raw):
        return Period("year", _year(int(m.group(1)), raw))
    if m := _QUARTER.match(raw):
        year, quarter = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return Period("quarter", _year(int(year), raw), int(quarter))
    if m := _MONTH.match(raw):
        year, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if not 1 <= int(month) <= 12:
            raise PeriodError(f"{raw!r}: month {month} does not exist")
        return Period("month", _year(int(year), raw), int(month))
    raise PeriodError(f"{raw!r} is not a period (use 2023, 2023Q1 or 2023-05)")


def _year(year: int, raw: str) -> int:
    if not 1990 <= year <= 2100:
        raise PeriodError(f"{raw!r}: year {year} is out of range")
    return year


def month_label(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"
