"""Vietnamese text analysis shared by indexing, querying and snippets.

Order (reference/vn-edoc.md §7): NFC → drop soft hyphens and zero-width characters →
lower case → one tone placement (old ``hoà``/``thuỷ``/``uỷ`` become ``hòa``/``thủy``/``ủy``,
as underthesea's text_normalize does) → tokens. Document numbers (``28/2018/QĐ-TTg``,
``09-NQ/TU``), agency codes (``000.00.00.H43``), dates and e-mail addresses are matched
before words, so they stay single, exact tokens. ``fold`` removes every diacritic and maps
đ to d, for matching text typed without diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_ANY_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

# Old-style tone on the second vowel of an open oa/oe/uy syllable → on the first vowel.
_OLD_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}

_DOCNUM = (
    r"\d{1,6}(?:\s?/\s?\d{4})?\s?/\s?[^\W\d_][\w&]*(?:-[\w&]+)*"  # 5985/UBND-KTN, 28/2018/QĐ-TTg
    r"|\d{1,6}-[^\W\d_][\w&]*/[^\W\d_][\w&]*(?:-[\w&]+)*"  # 09-NQ/TU
)
_AGENCY = r"\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}|[A-Za-z]\d{2}(?:\.\d{1,3})+"
_DATE = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
TOKEN = re.compile(
    rf"(?P<email>{_EMAIL})|(?P<agency>{_AGENCY})|(?P<date>{_DATE})|(?P<docnum>{_DOCNUM})|(?P<word>\w+)"
)
DOCNUM = re.compile(rf"^(?:{_DOCNUM})$")
AGENCY_CODE = re.compile(rf"^(?:{_AGENCY})$")
DATE_TOKEN = re.compile(rf"^(?:{_DATE})$")

# đ is its own letter, not d + a mark: NFD does not split it.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def clean(text: str) -> str:
    """NFC, without soft hyphens or zero-width characters."""
    text = unicodedata.normalize("NFC", text)
    # translate() walks every character; most texts have nothing to remove
    return text.translate(_INVISIBLE) if _ANY_INVISIBLE.search(text) else text


def _tone(word: str) -> str:
    tail = word[-2:]
    if tail in _OLD_TONES and not (tail[0] == "u" and word[-3:-2] == "q"):
        return word[:-2] + _OLD_TONES[tail]
    return word


def normalise_word(word: str) -> str:
    """The exact (diacritics kept) form of one token."""
    return _tone(clean(word).lower())


_fold_cache: dict[str, str] = {}


def fold(text: str) -> str:
    """Without diacritics, đ → d, lower case: ``Định`` → ``dinh``."""
    cached = _fold_cache.get(text)
    if cached is not None:
        return cached
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    if len(_fold_cache) < 100_000:  # ~15 MB at most per process
        _fold_cache[text] = folded
    return folded


@dataclass(frozen=True)
class Token:
    exact: str
    folded: str
    kind: str  # word | docnum | agency | date | email
    start: int
    end: int


def tokens(text: str) -> Iterator[Token]:
    """Tokens of ``text`` with their character offsets in ``clean(text)``."""
    for m in TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        raw = m.group()
        if kind == "docnum":
            exact = re.sub(r"\s", "", raw).lower()
        elif kind == "date":
            exact = iso_date(raw) or raw
        elif kind == "agency":
            exact = raw.lower()
        else:
            exact = _tone(raw.lower())
        yield Token(exact, fold(exact), kind, m.start(), m.end())


# The same alternatives as TOKEN, without groups: findall returns whole tokens. The
# lookahead skips the number-shaped alternatives at once for words (most tokens), the
# possessive local part never backtracks, and texts without "@" use the variant with no
# address alternative at all: together a third less time than the plain alternation.
_NUMBER_SHAPED = rf"(?=\d|[A-Za-z]\d\d)(?:{_AGENCY}|{_DATE}|{_DOCNUM})"
_TOKEN_FLAT = re.compile(rf"[\w.+-]++@[\w-]+(?:\.[\w-]+)+|{_NUMBER_SHAPED}|\w+")
_TOKEN_FLAT_NO_EMAIL = re.compile(rf"{_NUMBER_SHAPED}|\w+")
# Candidates (o or u, then any of the vowels with a mark) that ``_fix_tones`` checks: a
# pattern starting with a character class is scanned for in C, twice as fast as the exact
# alternation "o[àá…]|(?<!q)u[ỳý…]".
_OLD_TONE = re.compile(r"[ou][àáảãạèéẻẽẹỳýỷỹỵ](?!\w)")
_SPACE = re.compile(r"\s")


def _special(token: str) -> str:
    """Exact form of a non-word token (document number, date, code, address)."""
    if "/" in token:
        if DATE_TOKEN.match(token):
            return iso_date(token) or token
        return _SPACE.sub("", token)
    return token


def analyse(text: str) -> tuple[list[str], list[str]]:
    """(exact tokens, folded tokens) of a text, in order.

    Works on the whole text at once (lower case, tone placement, folding are C-speed
    string operations); only tokens that are not plain words get per-token work.
    """
    lowered = _fix_tones(clean(text).lower())
    pattern = _TOKEN_FLAT if "@" in lowered else _TOKEN_FLAT_NO_EMAIL
    exact = [t if t.isalnum() else _special(t) for t in pattern.findall(lowered)]
    if not exact:
        return [], []
    # Tokens repeat (a text has far fewer distinct words than words): folding each
    # distinct token once, from the cache, beats folding the whole text.
    cache = _fold_cache
    folded = [cache.get(t) or fold(t) for t in exact]
    return exact, folded


def _fix_tones(lowered: str) -> str:
    def placed(m: re.Match) -> str:
        pair = m.group()
        start = m.start()
        if pair in _OLD_TONES and not (pair[0] == "u" and start and lowered[start - 1] == "q"):
            return _OLD_TONES[pair]
        return pair

    return _OLD_TONE.sub(placed, lowered)


def iso_date(text: str) -> str | None:
    """``5/3/2020`` or ``2020-03-05`` → ``2020-03-05``; None if not a valid date."""
    from datetime import date

    try:
        if "-" in text:
            y, m, d = (int(x) for x in text.split("-"))
        else:
            d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def document_number(text: str) -> str | None:
    """The exact-token form of a số/ký hiệu, or None if ``text`` is not one."""
    candidate = re.sub(r"\s", "", clean(text))
    return fold(candidate.lower()) if DOCNUM.match(candidate) else None


def keyword(text: str) -> str:
    """A field value as a keyword: folded, lower case, spaces and hyphens removed."""
    return re.sub(r"[\s\-_]+", "", fold(clean(text)))
