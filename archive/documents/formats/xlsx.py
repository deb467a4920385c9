"""XLSX cell values with openpyxl in read-only mode (streams rows; no styles kept)."""

from __future__ import annotations

import io

import openpyxl

from archive.documents.formats import RawText

MAX_CELLS = 2_000_000


def extract(data: bytes) -> RawText:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[str] = []
    cells = 0
    try:
        for sheet in book.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                values = [str(v) for v in row if v is not None and str(v).strip()]
                cells += len(row)
                if values:
                    lines.append("\t".join(values))
                if cells > MAX_CELLS:
                    return RawText("\n".join(lines))
    finally:
        book.close()
    return RawText("\n".join(lines))
