"""A text analysed for the index: its exact and folded tokens, and the codes in it.

Kept apart from ``search.documents`` (which reads the database) so the import workers that
run ``analyse_texts`` load only the analyser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from search.vietnamese import AGENCY_CODE, DOCNUM, analyse

MAX_TEXT_CHARS = 2_000_000


@dataclass(frozen=True)
class AnalysedText:
    """A text as the index takes it: its tokens joined by spaces, and the codes in it."""

    chars: int
    exact: str
    folded: str
    numbers: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()


def analyse_text(text: str) -> AnalysedText:
    exact, folded = analyse(text[:MAX_TEXT_CHARS])
    numbers, agencies = set(), set()
    for tok, flat in zip(exact, folded, strict=True):
        if tok.isalnum():  # a plain word: neither a document number nor a code
            continue
        if "/" in tok and DOCNUM.match(tok):
            numbers.add(flat)
        elif AGENCY_CODE.match(tok):
            agencies.add(flat)
    return AnalysedText(
        len(text), " ".join(exact), " ".join(folded), tuple(numbers), tuple(agencies)
    )


def analyse_texts(texts: Mapping[str, str]) -> dict[str, AnalysedText]:
    """The index hook's step in the import workers: each new text (body, attachment),
    analysed where it was read, so the import's single writer only adds it."""
    return {key: analyse_text(text) for key, text in texts.items() if text}
