"""The report as one self-contained HTML page: tables, notes, and the charts embedded."""

from __future__ import annotations

import base64
from html import escape

from config.sections.reports import ReportsSettings
from reports.model import Report
from reports.render.charts import render_png
from reports.render.formatting import display, filter_label, verdicts

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 3px 6px; }
th { background: #eef; } td.num { text-align: right; }
tr.total td { font-weight: bold; background: #f6f6f6; }
td.good { background: #c6efce; } td.bad { background: #ffc7ce; }
.estimate { color: #a05a00; font-style: italic; }
.notes li { margin: 0.3em 0; } img { max-width: 100%; }
"""


def render_html(report: Report, settings: ReportsSettings) -> str:
    chart = base64.b64encode(render_png(report, settings)).decode("ascii")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f"<p>Kỳ {escape(report.period)}, so với cùng kỳ {escape(report.previous_period)}",
    ]
    for key, value in report.filters.items():
        label, text = filter_label(key, value)
        parts.append(f"; {escape(label)}: {escape(text)}")
    parts.append(f". Lập lúc {report.generated_at:%Y-%m-%d %H:%M} UTC.</p>")
    parts.append('<ul class="notes">')
    for note in report.notes:
        css = ' class="estimate"' if note.startswith("Ước tính") else ""
        parts.append(f"<li{css}>{escape(note)}</li>")
    parts.append("</ul>")
    parts.append(f'<img alt="Biểu đồ" src="data:image/png;base64,{chart}">')
    for table in report.tables:
        parts.append(f'<h2 id="{escape(table.key)}">{escape(table.title)}</h2>')
        parts.append(f'<table data-table="{escape(table.key)}"><thead><tr>')
        parts += [f'<th data-key="{escape(c.key)}">{escape(c.label)}</th>' for c in table.columns]
        parts.append("</tr></thead><tbody>")
        for row in table.rows:
            met = verdicts(table, row)
            parts.append('<tr class="total">' if row["group"] == "total" else "<tr>")
            for column in table.columns:
                classes = [] if column.kind == "text" else ["num"]
                if column.key in met:
                    classes.append("good" if met[column.key] else "bad")
                if column.key == "total_source" and row.get(column.key) not in (None, "register"):
                    classes.append("estimate")
                css = f' class="{" ".join(classes)}"' if classes else ""
                parts.append(f"<td{css}>{escape(display(row.get(column.key), column))}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
