"""The index's fields, shared by the document builder, the query compiler and the engines."""

from __future__ import annotations

# Analysed text, indexed twice: ``_x`` exact (diacritics kept), ``_f`` folded.
TEXT = ("subject", "body", "att", "names", "filename", "from_name", "to_name")
# Boost of each text field in free-text queries (the exact form gets twice this).
FREE_TEXT_BOOSTS = {"subject": 3.0, "body": 1.0, "att": 1.0, "names": 1.0, "filename": 1.5}
# A folded match (``ban`` for ``bàn``) counts far less than the exact form when the
# query has diacritics: they must outrank field weights (``bàn`` in a body above ``bản``
# in a subject). A query typed without diacritics searches the folded forms only.
EXACT_FACTOR = 1.0
FOLDED_FACTOR = 0.1
# Keywords: whole values, not analysed.
KEYWORDS = (
    "from_addr",
    "from_dom",
    "to_addr",
    "to_dom",
    "agency",
    "so",
    "type",
    "signed",
    "scanned",
    "has",
    "direction",
    "verdict",
    "scope",
    "ocr",
)
DAY = "day"  # yyyymmdd integer
ID = "id"
# A token that never occurs in text, between two texts in one field (no phrase spans it).
GAP = "\u2063"


def exact(field: str) -> str:
    return f"{field}_x"


def folded(field: str) -> str:
    return f"{field}_f"


def all_text_fields() -> list[str]:
    return [name for field in TEXT for name in (exact(field), folded(field))]
