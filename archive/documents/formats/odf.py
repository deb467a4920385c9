"""OpenDocument (ODT, ODS, ODP) text with odfpy: every heading and paragraph in document
order, then those of the master pages (headers and footers)."""

from __future__ import annotations

import io

from odf import teletype
from odf.namespaces import TEXTNS
from odf.opendocument import load

from archive.documents.formats import RawText

_BLOCKS = {(TEXTNS, "p"), (TEXTNS, "h")}


def extract(data: bytes) -> RawText:
    document = load(io.BytesIO(data))
    lines: list[str] = []
    for root in (document.body, document.masterstyles):
        _walk(root, lines)
    return RawText("\n".join(lines))


def _walk(node, lines: list[str]) -> None:
    for child in node.childNodes:
        if getattr(child, "qname", None) in _BLOCKS:
            lines.append(teletype.extractText(child))
        elif child.nodeType == child.ELEMENT_NODE:
            _walk(child, lines)
