"""The report as rich tables for the terminal (also what ``--format table --out`` writes)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from reports.model import Report
from reports.render.formatting import display, filter_label, verdicts


def render_table(report: Report, width: int = 300) -> str:
    """Plain text for a file: wide enough that no cell wraps."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None)
    print_report(console, report, name_width=None)
    return buffer.getvalue()


def print_report(console: Console, report: Report, name_width: int | None = 30) -> None:
    """Print to a console (colours where the console has them)."""
    console.print(f"[bold]{escape(report.title)}[/bold]")
    filters = (filter_label(k, v) for k, v in report.filters.items())
    scope = ", ".join(f"{k}: {v}" for k, v in filters) or "tất cả cơ quan"
    console.print(escape(f"Kỳ {report.period} (so với {report.previous_period}); {scope}"))
    for table in report.tables:
        out = RichTable(title=escape(table.title), title_justify="left")
        for column in table.columns:
            out.add_column(
                escape(column.label),
                justify="left" if column.kind == "text" else "right",
                max_width=name_width if column.key == "name" else None,
                no_wrap=column.key != "name",
            )
        for row in table.rows:
            met = verdicts(table, row)
            cells = []
            for column in table.columns:
                text = escape(display(row.get(column.key), column))
                if column.key in met:
                    text = f"[{'green' if met[column.key] else 'red'}]{text}[/]"
                if row["group"] == "total":
                    text = f"[bold]{text}[/bold]"
                cells.append(text)
            out.add_row(*cells)
        if not table.rows:
            out.add_row(*(["—"] * len(table.columns)))
        console.print(out)
    for note in report.notes:
        console.print(escape(f"* {note}"))
