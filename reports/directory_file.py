"""Reading an agency directory file (CSV or XLSX) into rows with their line numbers.

Column names may be English (``code,name,level,parent,domains,addresses,valid_from,
valid_to,notation,previous_code``) or Vietnamese, with or without diacritics ("Mã định
danh", "Tên cơ quan", "Cấp", "Cấp trên", "Tên miền", "Hộp thư", "Hiệu lực từ", …).
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

COLUMNS = {
    "code": ("code", "ma", "ma_dinh_danh", "organ_id", "organid", "ma_co_quan", "ma_don_vi"),
    "name": ("name", "ten", "ten_co_quan", "ten_don_vi", "organ_name"),
    "level": ("level", "cap", "cap_hanh_chinh"),
    "parent": ("parent", "parent_code", "cap_tren", "ma_cap_tren", "co_quan_cap_tren"),
    "domains": ("domains", "domain", "ten_mien"),
    "addresses": ("addresses", "address", "emails", "email", "hop_thu", "dia_chi_thu"),
    "valid_from": ("valid_from", "tu_ngay", "hieu_luc_tu"),
    "valid_to": ("valid_to", "den_ngay", "hieu_luc_den"),
    "notation": ("notation", "ky_hieu", "viet_tat", "ky_hieu_viet_tat"),
    "previous_code": ("previous_code", "ma_cu", "replaces", "thay_ma"),
}
REQUIRED = ("code", "name", "level")
_ALIASES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}


class DirectoryFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


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


def read_table(path: Path) -> RawTable:
    """Read ``path`` by its extension: .xlsx (first sheet) or .csv (UTF-8, , ; or tab)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _table(_xlsx_rows(path))
    if suffix in (".csv", ".txt", ".tsv"):
        return _table(_csv_rows(path))
    raise DirectoryFileError(f"{path.name}: unsupported file type (use .csv or .xlsx)")


def _table(numbered: list[tuple[int, list[Any]]]) -> RawTable:
    numbered = [(line, cells) for line, cells in numbered if not all(_blank(c) for c in cells)]
    if not numbered:
        raise DirectoryFileError("the file is empty (expected a header line first)")
    _line, header = numbered[0]
    keys: list[str | None] = []
    table = RawTable(columns=set())
    for cell in header:
        label = "" if cell is None else str(cell).strip()
        key = _ALIASES.get(fold(label))
        if key is None or key in table.columns:
            keys.append(None)
            if label:
                table.ignored.append(label)
            continue
        keys.append(key)
        table.columns.add(key)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise DirectoryFileError(
            f"line {numbered[0][0]}: missing column(s) {', '.join(missing)} "
            f"(the header line must name at least {', '.join(REQUIRED)})"
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
        raise DirectoryFileError(
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
        raise DirectoryFileError(f"{path.name}: not a readable .xlsx file ({exc})") from None
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
