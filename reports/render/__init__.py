"""Renderers of a ``reports.model.Report``: table, csv, xlsx, png, html, json.

Each renderer only formats what the report holds; none computes a figure.
"""

from __future__ import annotations

from config.sections.reports import ReportsSettings
from reports.model import Report

FORMATS = ("table", "csv", "xlsx", "png", "html", "json")
BINARY = ("xlsx", "png")
EXTENSIONS = {
    "table": "txt",
    "csv": "csv",
    "xlsx": "xlsx",
    "png": "png",
    "html": "html",
    "json": "json",
}


def render(report: Report, fmt: str, settings: ReportsSettings) -> bytes:
    """The report in ``fmt`` as bytes (UTF-8 for the text formats)."""
    if fmt == "table":
        from reports.render.text_table import render_table

        return render_table(report).encode()
    if fmt == "csv":
        from reports.render.csv_out import render_csv

        return render_csv(report).encode("utf-8-sig")
    if fmt == "xlsx":
        from reports.render.xlsx_out import render_xlsx

        return render_xlsx(report)
    if fmt == "png":
        from reports.render.charts import render_png

        return render_png(report, settings)
    if fmt == "html":
        from reports.render.html_out import render_html

        return render_html(report, settings).encode()
    if fmt == "json":
        import json

        from reports.render.formatting import json_default

        return (
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=json_default) + "\n"
        ).encode()
    raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
