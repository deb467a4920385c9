"""Legacy Excel (.xls, BIFF) cell values with xlrd."""

from __future__ import annotations

import xlrd

from archive.documents.formats import RawText

MAX_CELLS = 2_000_000


def extract(data: bytes) -> RawText:
    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    lines: list[str] = []
    cells = 0
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            lines.append(sheet.name)
            for r in range(sheet.nrows):
                row = sheet.row_values(r)
                cells += len(row)
                values = [_cell(v) for v in row if str(v).strip()]
                if values:
                    lines.append("\t".join(values))
                if cells > MAX_CELLS:
                    return RawText("\n".join(lines))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return RawText("\n".join(lines))


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
