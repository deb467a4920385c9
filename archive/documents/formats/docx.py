"""DOCX text with python-docx: body paragraphs and tables in order, text boxes, then the
headers and footers of every section (each distinct one once)."""

from __future__ import annotations

import io

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from archive.documents.formats import RawText

_TEXTBOX = ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent"
_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def extract(data: bytes) -> RawText:
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    _blocks(document, lines)
    for box in document.element.body.iterfind(_TEXTBOX):
        lines.append("".join(t.text or "" for t in box.iter(_W_T)))
    seen: set[str] = set()
    for section in document.sections:
        for part in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            if part.is_linked_to_previous:
                continue
            chunk: list[str] = []
            _blocks(part, chunk)
            text = "\n".join(chunk).strip()
            if text and text not in seen:
                seen.add(text)
                lines.append(text)
    return RawText("\n".join(lines))


def _blocks(container, lines: list[str]) -> None:
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            _table(block, lines)


def _table(table: Table, lines: list[str]) -> None:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell repeats across the columns it spans
                continue
            previous = cell._tc
            inner: list[str] = []
            _blocks(cell, inner)
            cells.append("\n".join(inner).strip())
        lines.append("\t".join(cells))
