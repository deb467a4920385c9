"""The report as CSV: each table a block (``# key``, title, header, rows), blank-separated.

Header cells are the stable column keys (for scripts); the first lines carry the period,
the filters and the notes, so an estimate is labelled in the file itself.
"""

from __future__ import annotations

import csv
import io

from reports.model import Report
from reports.render.formatting import plain


def render_csv(report: Report, only: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if only is None:
        writer.writerow(["# report", report.title])
        writer.writerow(["# period", report.period, "previous", report.previous_period])
        for key, value in report.filters.items():
            writer.writerow([f"# {key}", value])
        for note in report.notes:
            writer.writerow(["# note", note])
        writer.writerow([])
    for table in report.tables:
        if only is not None and table.key != only:
            continue
        if only is None:
            writer.writerow([f"## {table.key}", table.title])
        writer.writerow([c.key for c in table.columns])
        for row in table.rows:
            writer.writerow([plain(row.get(c.key), c) for c in table.columns])
        if only is None:
            writer.writerow([])
    return buffer.getvalue()
