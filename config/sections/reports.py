"""Agency directory and exchange reports (issue 7): working days, targets, chart size."""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from config.sections.base import Section

LEVELS = ("province", "department", "district", "commune", "central", "other")
_HOLIDAY = re.compile(r"^(\d{4}-)?\d{2}-\d{2}$")


class ReportsSettings(Section):
    """What counts as a working day, the government's targets, and how charts look."""

    timezone: str = Field(
        "Asia/Ho_Chi_Minh",
        description="Time zone in which sending days, months and mornings are counted.",
    )
    holidays: list[str] = Field(
        ["01-01", "04-30", "05-01", "09-02"],
        description=(
            "Days off besides Saturday and Sunday: 'MM-DD' every year, or 'YYYY-MM-DD' once "
            "(Tết, Giỗ Tổ, days off in lieu as the Government announces them each year)."
        ),
    )
    extra_working_days: list[date] = Field(
        [],
        description="Saturdays or Sundays worked in exchange for a day off (làm bù).",
    )
    morning_ends: time = Field(
        time(12, 0),
        description="Sent before this time on the next working day still counts as on time.",
    )
    electronic_targets: dict[int, float] = Field(
        {2014: 55.0, 2015: 80.0},
        description=(
            "Target share (%) of documents sent electronically, by the first year it applies "
            "(Directive 15/CT-TTg, 1950/TTg-KGVX: 55 % from 2014, 80 % by the end of 2015)."
        ),
    )
    scanned_max: float | None = Field(
        50.0, ge=0, le=100, description="Scanned documents must stay below this share (%)."
    )
    signed_target: float | None = Field(
        None, ge=0, le=100, description="Target share (%) of digitally signed documents; none."
    )
    online_targets: dict[str, float] = Field(
        {"province": 100.0, "department": 100.0, "district": 95.0, "commune": 75.0},
        description="Target share (%) of work records processed online, by agency level.",
    )
    fully_electronic_requires_trust: bool = Field(
        True,
        description=(
            "A document counts as fully electronic only when its valid signature also chains "
            "to a trusted CA (false: any valid signature)."
        ),
    )
    violation_actions: list[str] = Field(
        ["tag", "quarantine", "reject"],
        description="Policy actions counted as violations in reports.",
    )
    chart_width: int = Field(1200, ge=200, le=10000, description="PNG chart width in pixels.")
    chart_height: int = Field(800, ge=200, le=10000, description="PNG chart height in pixels.")
    chart_max_groups: int = Field(
        30, ge=1, le=500, description="Most bars per chart (the busiest groups are shown)."
    )

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _HOLIDAY.match(item):
                raise ValueError(f"{item!r} is not 'MM-DD' or 'YYYY-MM-DD'")
            try:
                date.fromisoformat(item if len(item) == 10 else f"2000-{item}")
            except ValueError:
                raise ValueError(f"{item!r} is not a real date") from None
        return value

    @field_validator("electronic_targets", "online_targets")
    @classmethod
    def _check_shares(cls, value: dict) -> dict:
        for key, share in value.items():
            if not 0 <= share <= 100:
                raise ValueError(f"{key}: {share} is not a share between 0 and 100")
        return value

    @field_validator("online_targets")
    @classmethod
    def _check_levels(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(LEVELS))
        if unknown:
            raise ValueError(f"unknown level {unknown[0]!r} (use {', '.join(LEVELS)})")
        return value
