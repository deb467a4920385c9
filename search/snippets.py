"""Where a message matched, and a short highlighted passage, from its stored texts.

Computed for the page of hits only, with the same analysis as the index, so it works the
same whatever the engine.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from search.documents import Texts
from search.vietnamese import clean, fold, normalise_word, tokens

WINDOW = 24  # tokens around the first match
PLAIN_CHARS = 300  # at most this much of a text where no word of the query occurs
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Snippet:
    segments: tuple[tuple[str, bool], ...]  # (text, highlighted)

    def text(self, mark: str = "**") -> str:
        return "".join(f"{mark}{t}{mark}" if hit else t for t, hit in self.segments)

    def html(self) -> str:
        return "".join(
            f"<mark>{html.escape(t)}</mark>" if hit else html.escape(t) for t, hit in self.segments
        )


def _wanted(terms: list[str]) -> tuple[set[str], set[str]]:
    exact = {normalise_word(t) for t in terms}
    return exact, {fold(t) for t in exact}


def locate(texts: Texts, terms: list[str]) -> tuple[str, Snippet]:
    """('subject' | 'body' | 'attachment:NAME', snippet); the first place a term occurs."""
    exact, folded = _wanted(terms)
    places = [("subject", texts.subject or ""), ("body", texts.body or "")]
    for name, text, ocr in texts.attachments:
        label = f"attachment:{name or '(no name)'}" + (" (OCR)" if ocr else "")
        places.append((label, text))
        if name:
            places.append((label, name))
    best: tuple[int, str, Snippet] | None = None
    if exact:
        for label, text in places:  # the place holding the most of the query's words
            found = _snippet(text, exact, folded)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], label, found[1])
    if best is not None:
        return best[1], best[2]
    if texts.body or not texts.subject:  # no word of the query: the start of the body
        return "body", _plain(texts.body or "")
    return "subject", _plain(texts.subject)


def _snippet(text: str, exact: set[str], folded: set[str]) -> tuple[int, Snippet] | None:
    """(how many distinct query words occur, snippet around the first) or None."""
    text = clean(text)
    toks = list(tokens(text))
    hits = [i for i, t in enumerate(toks) if t.exact in exact or t.folded in folded]
    if not hits:
        return None
    distinct = len({toks[i].folded for i in hits})
    first = hits[0]
    lo = max(0, first - WINDOW // 3)
    hi = min(len(toks), lo + WINDOW)
    start, end = toks[lo].start, toks[hi - 1].end
    segments: list[tuple[str, bool]] = []
    cursor = start
    for i in range(lo, hi):
        tok = toks[i]
        if i in hits:
            segments.append((text[cursor : tok.start], False))
            segments.append((text[tok.start : tok.end], True))
            cursor = tok.end
    segments.append((text[cursor:end], False))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    flat = [(_SPACES.sub(" ", s), hit) for s, hit in segments if s]
    return distinct, Snippet(((prefix, False), *flat, (suffix, False)))


def _plain(text: str) -> Snippet:
    words = clean(text).split()
    short = " ".join(words[:WINDOW])
    cut = len(words) > WINDOW
    if len(short) > PLAIN_CHARS:  # a few very long "words" (base64, headers)
        short, cut = short[:PLAIN_CHARS].rstrip(), True
    return Snippet(((short + (" …" if cut else ""), False),))
