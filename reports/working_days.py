"""Working days and the timeliness of sending (Decree 30/2020 Art. 18, Decision 28/2018).

A document must be sent on the day it is signed, at the latest the morning of the next
working day. Saturday, Sunday and configured holidays are not working days; a configured
"extra working day" (a Saturday worked in lieu) is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Calendar:
    """Which days are worked, and where "morning" ends, in the agencies' time zone."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    yearly: frozenset[tuple[int, int]] = frozenset()  # (month, day) off every year
    once: frozenset[date] = frozenset()
    extra_working: frozenset[date] = frozenset()
    morning_ends: time = time(12, 0)

    @classmethod
    def from_settings(cls, reports) -> Calendar:
        """Build from ``settings.reports`` (``config.sections.reports.ReportsSettings``)."""
        return cls.build(
            reports.holidays,
            reports.extra_working_days,
            tz=ZoneInfo(reports.timezone),
            morning_ends=reports.morning_ends,
        )

    @classmethod
    def build(
        cls,
        holidays: Iterable[str] = (),
        extra_working: Iterable[date] = (),
        tz: ZoneInfo | None = None,
        morning_ends: time = time(12, 0),
    ) -> Calendar:
        yearly, once = set(), set()
        for item in holidays:
            if len(item) == 10:
                once.add(date.fromisoformat(item))
            else:
                month, day = item.split("-")
                yearly.add((int(month), int(day)))
        return cls(
            tz=tz or ZoneInfo("Asia/Ho_Chi_Minh"),
            yearly=frozenset(yearly),
            once=frozenset(once),
            extra_working=frozenset(extra_working),
            morning_ends=morning_ends,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working:
            return True
        if day.weekday() >= 5 or day in self.once:
            return False
        return (day.month, day.day) not in self.yearly

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        if end <= start:
            return 0
        first = start + timedelta(days=1)
        count = _weekdays(first, end)
        days_off = set(self.once)
        for year in range(first.year, end.year + 1):
            for month, day in self.yearly:
                try:
                    days_off.add(date(year, month, day))
                except ValueError:  # 02-29 in a common year
                    continue
        count -= sum(
            1
            for d in days_off
            if first <= d <= end and d.weekday() < 5 and d not in self.extra_working
        )
        count += sum(1 for d in self.extra_working if first <= d <= end and d.weekday() >= 5)
        return count

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


def _weekdays(first: date, last: date) -> int:
    """Monday-to-Friday days in [first, last], without walking the range."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


class Timeliness(NamedTuple):
    """How late one document was sent: working days after signing, and the verdict."""

    delay_days: int
    late: bool


def timeliness(calendar: Calendar, signed: date | datetime, sent: datetime) -> Timeliness:
    """Same day, or before ``morning_ends`` on the next working day, is on time.

    ``signed`` is the signature time (aware datetime) or, without one, the document's date.
    Sending before the signing day (clock skew, a wrong date) counts as on time.
    """
    signed_day = calendar.local(signed).date() if isinstance(signed, datetime) else signed
    sent_local = calendar.local(sent)
    delay = calendar.working_days_between(signed_day, sent_local.date())
    if delay == 0:
        return Timeliness(0, False)
    on_time = (
        delay == 1
        and calendar.is_working_day(sent_local.date())
        and sent_local.time() < calendar.morning_ends
    )
    return Timeliness(delay, not on_time)
