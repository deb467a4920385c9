"""Extracted text to clean Unicode NFC, converting legacy Vietnamese encodings first.

Order matters (vn-edoc.md §7.1): legacy conversion, then NFC, then removing soft hyphens and
zero-width characters — TCVN3 writes "ư" as 0xAD, the soft hyphen, so cleaning first would
silently delete every "ư".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archive.documents import legacy_encoding

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Runs of spaces (tabs stay: they separate table cells) become one space; a single plain
# space is left alone, not matched and replaced by itself thousands of times.
_SPACES = re.compile(r"[ \u00a0]{2,}|\u00a0")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class NormalText:
    text: str
    legacy_encoding: str | None  # "tcvn3" | "vni" when a conversion happened


def clean_unicode(text: str) -> str:
    """NFC without soft hyphens and zero-width characters (vn-edoc.md §7.1); the checks
    first, as extracted text is nearly always clean already."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def normalise(text: str) -> NormalText:
    """Clean ``text``, converting TCVN3 or VNI when the text is in one of them."""
    encoding = legacy_encoding.detect(text)
    if encoding:
        text = legacy_encoding.convert(text, encoding)
    text = clean_unicode(text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "  " in text or "\u00a0" in text:  # a plain search is far cheaper than a sub
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip()
    return NormalText(text, encoding)
