"""govmail report [options] | report rebuild | report totals import FILE"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import print_json
from config.sections.reports import LEVELS

FORMATS = ("table", "csv", "xlsx", "html", "png", "json")
TABLES = ("exchange", "electronic", "received", "signatures", "late", "violations")


def _period(_ctx, _param, value: str | None):
    from reports.periods import PeriodError, parse_period

    try:
        return parse_period(str(date.today().year) if value is None else value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("report", invoke_without_command=True)
@click.option(
    "--period",
    callback=_period,
    metavar="PERIOD",
    help="2023 (year), 2023Q1 (quarter) or 2023-05 (month); default: this year.",
)
@click.option("--agency", metavar="CODE", help="Only this agency and its units (any code form).")
@click.option("--level", type=click.Choice(LEVELS), help="Only agencies of this level.")
@click.option(
    "--by",
    type=click.Choice(("agency", "month", "level")),
    default="agency",
    show_default=True,
    help="One row per agency, per month, or per level.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format (xlsx: one sheet per table; html embeds the charts).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (xlsx and png default to govmail-report-PERIOD.EXT).",
)
@click.option("--table", "only", type=click.Choice(TABLES), help="CSV: only this table.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.pass_context
def command(
    ctx: click.Context,
    period,
    agency: str | None,
    level: str | None,
    by: str,
    fmt: str,
    out: Path | None,
    only: str | None,
    as_json: bool,
) -> None:
    """Exchange report for the Sở TT&TT: documents sent and received per agency, the share
    sent electronically, scans and digital signatures against the government's targets,
    late sends and policy violations; compared with the same period a year before.

    Figures come from the exchange log, filled for every archived message. Where no
    register total is imported (`govmail report totals import`), the total of documents
    sent is estimated from the agency's highest document number of the year and labelled
    "ước tính" (estimate) in every format.

    \b
    Examples:
      govmail report --period 2024Q1
      govmail report --period 2024 --by month --agency H43
      govmail report --period 2024-03 --level commune --format csv --out xa.csv
      govmail report --period 2024Q1 --format xlsx --out bao-cao-q1.xlsx
      govmail report --period 2024 --format html --out bao-cao-2024.html
      govmail report rebuild
    """
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.obj
    from reports.directory import AgencyNotFound
    from reports.render import BINARY, render
    from reports.render.csv_out import render_csv
    from reports.report import ReportRequest, build_report

    fmt = "json" if as_json else fmt
    if only and fmt != "csv":
        raise click.UsageError("--table goes with --format csv")
    request = ReportRequest(period=period, by=by, agency=agency, level=level)
    settings = app.settings.reports
    try:
        report = build_report(app.archive().sessions, settings, request)
    except AgencyNotFound as exc:
        raise click.BadParameter(str(exc), param_hint="--agency") from None
    if fmt == "table" and out is None:
        from reports.render.text_table import print_report

        print_report(app.console, report)
        return
    data = render_csv(report, only).encode("utf-8-sig") if only else render(report, fmt, settings)
    if out is None and fmt in BINARY:
        out = Path(f"govmail-report-{report.period}.{fmt}")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    app.err.print(f"wrote {out} ({len(data):,} bytes)")


@command.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def rebuild(app: AppContext, as_json: bool) -> None:
    """Recompute the exchange log from the archive.

    Run it after documents were read again (OCR finished, `govmail reextract`), after
    importing the agency directory, or after changing holidays. Running it twice gives the
    same log.

    \b
    Examples:
      govmail report rebuild
      govmail report rebuild --json
    """
    from reports.exchange_log import rebuild as rebuild_log
    from reports.working_days import Calendar

    archive = app.archive()
    calendar = Calendar.from_settings(app.settings.reports)
    with Progress(
        TextColumn("[bold]exchange log"),
        BarColumn(),
        MofNCompleteColumn(),
        console=app.err,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("rebuild", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        counts = rebuild_log(archive.sessions, calendar, progress)
    if as_json:
        print_json(counts)
    else:
        app.console.print(f"{counts['messages']:,} messages, {counts['rows']:,} exchange rows")


@command.group("totals")
def totals() -> None:
    """Register totals (sổ đăng ký): documents sent and received including paper.

    \b
    Examples:
      govmail report totals import so-dang-ky-2024.csv
    """


@totals.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_app
def totals_import(app: AppContext, path: Path, as_json: bool) -> None:
    """Import register totals from CSV or XLSX: code, period, sent, received, and optionally
    records and records_online (work records, hồ sơ công việc, processed online).

    Periods are 2024, 2024Q1 or 2024-01. A new figure for the same agency and period
    replaces the old one. On any error nothing is imported (exit 1).

    \b
    Examples:
      govmail report totals import so-dang-ky-2024.csv
      govmail report totals import totals.xlsx --json
    """
    from reports.table_file import TableFileError
    from reports.totals import import_totals

    try:
        with app.archive().sessions() as session, session.begin():
            outcome = import_totals(session, path)
    except TableFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if as_json:
        print_json(outcome.as_dict())
    else:
        for error in outcome.errors:
            app.err.print(f"[red]{path.name}:{error.line}[/red]: {error.column}: {error.message}")
        if outcome.applied:
            app.console.print(f"{outcome.imported} register totals imported")
        else:
            app.err.print("[bold]nothing imported[/bold]")
    if not outcome.applied:
        raise SystemExit(EXIT_FAILURE)
