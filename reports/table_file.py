"""Reading a CSV or XLSX file (agency directory, register totals) into numbered rows.

Header names are matched folded (no diacritics, lower case, underscores), so a column may
be named in English or in Vietnamese with or without diacritics ("Mã định danh").
Line numbers are the ones a person sees in a text editor or in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any


class TableFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass(frozen=True, order=True)
class RowError:
    """One problem on one line of a file, for people: ``line 7: code: …``."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


@dataclass
class RawTable:
    """The recognised columns, the ignored ones, and each data row with its line number."""

    columns: set[str]
    ignored: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def fold(text: str) -> str:
    """``"Mã định danh"`` → ``"ma_dinh_danh"``: no diacritics, đ → d, lower, underscores."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "_", bare.casefold()).strip("_")


def read_table(
    path: Path,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> RawTable:
    """Read ``path`` by its extension: .xlsx (first sheet) or .csv (UTF-8, , ; or tab).

    ``columns`` maps each column key to the folded header names that mean it.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        numbered = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        numbered = _csv_rows(path)
    else:
        raise TableFileError(f"{path.name}: unsupported file type (use .csv or .xlsx)")
    aliases = {alias: key for key, names in columns.items() for alias in names}
    return _table(numbered, aliases, required)


def _table(
    numbered: list[tuple[int, list[Any]]], aliases: dict[str, str], required: tuple[str, ...]
) -> RawTable:
    numbered = [(line, cells) for line, cells in numbered if not all(_blank(c) for c in cells)]
    if not numbered:
        raise TableFileError("the file is empty (expected a header line first)")
    _line, header = numbered[0]
    keys: list[str | None] = []
    table = RawTable(columns=set())
    for cell in header:
        label = "" if cell is None else str(cell).strip()
        key = aliases.get(fold(label))
        if key is None or key in table.columns:
            keys.append(None)
            if label:
                table.ignored.append(label)
            continue
        keys.append(key)
        table.columns.add(key)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise TableFileError(
            f"line {numbered[0][0]}: missing column(s) {', '.join(missing)} "
            f"(the header line must name at least {', '.join(required)})"
        )
    for line, cells in numbered[1:]:
        row = {k: cells[i] if i < len(cells) else None for i, k in enumerate(keys) if k}
        table.rows.append((line, row))
    return table


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableFileError(
            f"{path.name} is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered, line = [], 1
    for cells in reader:
        numbered.append((line, cells))
        line = reader.line_num + 1
    return numbered


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableFileError(f"{path.name}: not a readable .xlsx file ({exc})") from None
    try:
        sheet = book.worksheets[0]
        return [
            (index, list(values))
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A cell as stripped text ('' for empty); whole floats from spreadsheets lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def cell_date(value: Any) -> date | None:
    """ISO ``2020-07-22``, Vietnamese ``22/07/2020``, or a spreadsheet date; None if empty."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text)
