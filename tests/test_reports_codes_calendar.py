"""Agency identifier codes (both spellings) and the working-day calendar (pure functions)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.agency_codes import AgencyCodeError, normalise_code, parse_code, short_code
from reports.working_days import Calendar, timeliness

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("written", "full", "short", "depth"),
    [
        ("000.00.00.H43", "000.00.00.H43", "H43", 1),
        ("000.00.53.H48", "000.00.53.H48", "H48.53", 2),
        ("000.18.29.H51", "000.18.29.H51", "H51.29.18", 3),
        ("G09.20", "000.00.20.G09", "G09.20", 2),
        ("H55.242", "242.00.00.H55", "H55.242", 4),
        ("h51.00.18", "000.18.00.H51", "H51.00.18", 3),
        ("H51.18.242", "242.00.18.H51", "H51.18.242", 4),
        (" 000 . 00 . 18 . g12 ", "000.00.18.G12", "G12.18", 2),
    ],
)
def test_codes_normalise_both_ways(written: str, full: str, short: str, depth: int) -> None:
    code = parse_code(written)
    assert (code.full, code.short, code.depth) == (full, short, depth)
    assert normalise_code(short) == full and short_code(full) == short


def test_structural_parent_and_group() -> None:
    code = parse_code("000.18.29.H51")
    assert code.parent.full == "000.00.29.H51"
    assert code.parent.parent.full == "000.00.00.H51"
    assert code.parent.parent.parent is None
    assert parse_code("H43").group.startswith("Ủy ban nhân dân tỉnh")


@pytest.mark.parametrize(
    "bad", ["", "H4", "43.H43", "00.00.00.H43", "000.00.00.443", "H43.1", "H43.12.34.56", "X"]
)
def test_bad_codes_say_what_is_expected(bad: str) -> None:
    with pytest.raises(AgencyCodeError) as err:
        parse_code(bad)
    assert str(err.value)


def _walk(calendar: Calendar, start: date, end: date) -> int:
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


def test_working_days_match_a_day_by_day_walk() -> None:
    calendar = Calendar.build(
        ["01-01", "04-30", "05-01", "09-02", "2024-02-09", "2024-02-12"],
        [date(2024, 2, 17), date(2023, 4, 29)],
    )
    rng = random.Random(7)
    for _ in range(400):
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(900))
        end = start + timedelta(days=rng.randrange(-3, 500))
        assert calendar.working_days_between(start, end) == _walk(calendar, start, end)


def test_weekends_holidays_and_days_worked_in_lieu() -> None:
    calendar = Calendar.build(["04-30", "05-01", "2024-02-09"], [date(2024, 2, 17)])
    assert not calendar.is_working_day(date(2024, 4, 30))  # Tuesday, a holiday
    assert not calendar.is_working_day(date(2024, 2, 9))  # Friday, Tết
    assert not calendar.is_working_day(date(2024, 3, 9))  # Saturday
    assert calendar.is_working_day(date(2024, 2, 17))  # Saturday worked in lieu
    # Thursday 25 April → Thursday 2 May: Fri 26, Mon 29, Thu 2 (30/4 and 1/5 off).
    assert calendar.working_days_between(date(2024, 4, 25), date(2024, 5, 2)) == 3


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), VN).astimezone(UTC)


def test_next_working_morning_is_on_time() -> None:
    calendar = Calendar.build(["05-01"])
    friday = date(2024, 3, 8)
    signed = _at(friday, 16)
    assert timeliness(calendar, signed, _at(friday, 17)) == (0, False)
    assert timeliness(calendar, signed, _at(date(2024, 3, 9), 10)) == (0, False)  # Saturday
    assert timeliness(calendar, signed, _at(date(2024, 3, 11), 11, 59)) == (1, False)
    assert timeliness(calendar, signed, _at(date(2024, 3, 11), 12, 0)) == (1, True)
    assert timeliness(calendar, signed, _at(date(2024, 3, 12), 8)) == (2, True)
    # Signed 30 April (a Tuesday), 1 May off: Thursday 2 May morning is on time.
    assert timeliness(calendar, date(2024, 4, 30), _at(date(2024, 5, 2), 9)) == (1, False)
    # Sent "before" it was signed (a wrong date): not late.
    assert timeliness(calendar, date(2024, 5, 10), _at(date(2024, 5, 2), 9)) == (0, False)


def test_signing_time_is_read_in_vietnam_time() -> None:
    calendar = Calendar.build()
    # 23:30 UTC on Monday is 06:30 Tuesday in Hà Nội: sending at 15:00 Tuesday is same-day.
    signed = datetime(2024, 3, 11, 23, 30, tzinfo=UTC)
    assert timeliness(calendar, signed, _at(date(2024, 3, 12), 15)) == (0, False)
