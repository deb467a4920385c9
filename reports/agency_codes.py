"""Electronic identifier codes of agencies (mã định danh, Decision 20/2020/QĐ-TTg).

The full form is ``AAA.BB.CC.Xnn`` (13 characters), read right to left: ``Xnn`` is level 1
(a group letter and two digits: ``H43`` = UBND tỉnh Ninh Thuận), ``CC`` level 2, ``BB``
level 3, ``AAA`` level 4; a group of zeros means "this level itself".

Other national systems write a short form without the zero groups, level 1 first:
``G09.20`` = ``000.00.20.G09``. The short form lists level 2 and level 3 (two digits each)
in order and drops trailing zero groups; a final three-digit group is level 4, so the zero
levels before it may be left out: ``H55.242`` = ``242.00.00.H55``. ``short_form`` writes
exactly that, so both forms round-trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULL = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$")
_LEVEL1 = re.compile(r"^[A-Z]\d{2}$")
# Dots as people type them: full stops, middle dots, spaces around them.
_SEPARATORS = re.compile(r"\s*[.·]\s*")

GROUPS = {
    "A": "cơ quan của Đảng",
    "B": "Văn phòng Chủ tịch nước",
    "C": "cơ quan của Quốc hội",
    "D": "Tòa án nhân dân tối cao",
    "E": "Viện kiểm sát nhân dân tối cao",
    "F": "Kiểm toán nhà nước",
    "G": "bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ",
    "H": "Ủy ban nhân dân tỉnh, thành phố",
    "I": "tổ chức chính trị - xã hội trung ương",
    "J": "tổ chức xã hội, xã hội - nghề nghiệp trung ương",
    "K": "Hội đồng nhân dân tỉnh, thành phố",
}


class AgencyCodeError(ValueError):
    """Not an agency identifier code; the message says what is wrong, for people."""


@dataclass(frozen=True, order=True)
class AgencyCode:
    """One identifier code, kept as its four groups."""

    level1: str  # "H43"
    level2: str = "00"  # CC
    level3: str = "00"  # BB
    level4: str = "000"  # AAA

    @property
    def full(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"

    @property
    def short(self) -> str:
        groups = [self.level2, self.level3]
        while groups and groups[-1] == "00":
            groups.pop()
        if self.level4 != "000":
            groups.append(self.level4)
        return ".".join([self.level1, *groups])

    @property
    def depth(self) -> int:
        """1 for ``000.00.00.H43`` … 4 for a code whose ``AAA`` group is set."""
        for depth, group in ((4, self.level4), (3, self.level3), (2, self.level2)):
            if set(group) != {"0"}:
                return depth
        return 1

    @property
    def parent(self) -> AgencyCode | None:
        """The code one level up (the deepest set group zeroed), None at level 1."""
        depth = self.depth
        if depth == 1:
            return None
        if depth == 4:
            return AgencyCode(self.level1, self.level2, self.level3)
        if depth == 3:
            return AgencyCode(self.level1, self.level2)
        return AgencyCode(self.level1)

    @property
    def group(self) -> str:
        """What kind of body the level-1 letter denotes, in Vietnamese ('' if unknown)."""
        return GROUPS.get(self.level1[0], "")

    def __str__(self) -> str:
        return self.full


def parse_code(text: str) -> AgencyCode:
    """Read a full (``000.00.53.H48``) or short (``H48.53``, ``H55.242``) code."""
    raw = (text or "").strip()
    if not raw:
        raise AgencyCodeError("empty code")
    cleaned = _SEPARATORS.sub(".", raw).upper()
    full = _FULL.match(cleaned)
    if full:
        level4, level3, level2, level1 = full.groups()
        return AgencyCode(level1, level2, level3, level4)
    head, *groups = cleaned.split(".")
    if not _LEVEL1.match(head):
        raise AgencyCodeError(
            f"{raw!r} is not an agency code: expected AAA.BB.CC.Xnn (e.g. 000.00.00.H43) "
            "or a short form such as H43 or H48.53"
        )
    return _from_short(raw, head, groups)


def _from_short(raw: str, head: str, groups: list[str]) -> AgencyCode:
    level4 = "000"
    if groups and len(groups[-1]) == 3:
        level4 = groups.pop()
    if len(groups) > 2 or not all(len(g) == 2 and g.isdigit() for g in groups):
        raise AgencyCodeError(
            f"{raw!r}: after {head} a short code has up to two 2-digit groups (levels 2 and "
            "3) and optionally a final 3-digit group (level 4)"
        )
    if not level4.isdigit():
        raise AgencyCodeError(f"{raw!r}: the level-4 group must be three digits")
    level2, level3 = ([*groups, "00", "00"])[:2]
    return AgencyCode(head, level2, level3, level4)


def normalise_code(text: str) -> str:
    """The full 13-character form of any accepted spelling."""
    return parse_code(text).full


def short_code(text: str) -> str:
    """The short form of any accepted spelling."""
    return parse_code(text).short


def is_code(text: str) -> bool:
    try:
        parse_code(text)
    except AgencyCodeError:
        return False
    return True
