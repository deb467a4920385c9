"""HTML to its visible text, in the charset the page declares or the one it looks like."""

from __future__ import annotations

import re

from archive.body_text import html_to_text
from archive.documents.formats import RawText
from archive.documents.formats.plain import decode

_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.I)


def extract(data: bytes) -> RawText:
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii") if match else None
    return RawText(html_to_text(decode(data, declared)))
