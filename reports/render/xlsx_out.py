"""The report as an Excel workbook: an information sheet, then one sheet per table."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.aggregate import TOTAL
from reports.model import SOURCE_LABELS, Report
from reports.render.formatting import filter_label, verdicts

INFO_SHEET = "Thông tin"
SHEETS = {
    "exchange": "VB đi - đến",
    "electronic": "Tỷ lệ điện tử",
    "received": "VB đến - hồ sơ",
    "signatures": "Scan - ký số",
    "late": "Gửi chậm",
    "violations": "Vi phạm",
}
_BOLD = Font(bold=True)
_GOOD = PatternFill("solid", fgColor="C6EFCE")
_BAD = PatternFill("solid", fgColor="FFC7CE")


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    info = book.active
    info.title = INFO_SHEET
    info.append(["Báo cáo", report.title])
    info.append(["Kỳ", report.period])
    info.append(["So với", report.previous_period])
    for key, value in report.filters.items():
        info.append(list(filter_label(key, value)))
    info.append(["Lập lúc (UTC)", report.generated_at.strftime("%Y-%m-%d %H:%M")])
    for note in report.notes:
        info.append(["Ghi chú", note])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 120
    for table in report.tables:
        sheet = book.create_sheet(SHEETS.get(table.key, table.key)[:31])
        sheet.append([c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font = _BOLD
        for row in table.rows:
            values = []
            for column in table.columns:
                value = row.get(column.key)
                if column.key == "total_source" and value is not None:
                    value = SOURCE_LABELS.get(value, value)
                elif column.key == "group" and value == TOTAL:
                    value = None  # the name column says "Tổng cộng"
                values.append(value)
            sheet.append(values)
            met = verdicts(table, row)
            for index, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row=sheet.max_row, column=index)
                if column.kind == "percent":
                    cell.number_format = "0.0"
                if column.key in met:
                    cell.fill = _GOOD if met[column.key] else _BAD
                if row["group"] == "total":
                    cell.font = _BOLD
        for index, column in enumerate(table.columns, start=1):
            width = 40 if column.key == "name" else max(10, min(28, len(column.label) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
