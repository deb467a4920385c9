"""govmail agencies import|list|show|match"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import print_json
from config.sections.reports import LEVELS


@click.group("agencies")
def command() -> None:
    """The agency directory (mã định danh): who owns which mail domains and addresses.

    \b
    Examples:
      govmail agencies import danh-muc-co-quan.xlsx
      govmail agencies list --level department
      govmail agencies show H43
      govmail agencies match vanthu@stttt.ninhthuan.gov.vn
    """


@command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and skip the bad ones.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_app
def import_(app: AppContext, path: Path, skip_bad: bool, as_json: bool) -> None:
    """Import agencies from a CSV (UTF-8) or XLSX file.

    Columns (English or Vietnamese names): code (mã định danh, full 000.00.00.H43 or short
    H43), name, level (province, department, district, commune, central, other — or tỉnh,
    sở, huyện, xã …), and optionally parent, domains, addresses (several separated by ; or
    spaces), valid_from, valid_to, notation (ký hiệu viết tắt, e.g. UBND), previous_code.

    The whole file is checked first. On any error nothing is imported and every bad row is
    listed with its line number (exit 1), unless --skip-bad is given. Importing the same
    file again changes nothing. Run `govmail report rebuild` afterwards so mail already
    archived is attributed with the new directory.

    \b
    Examples:
      govmail agencies import agencies.csv
      govmail agencies import danh-muc.xlsx --skip-bad
      govmail agencies import agencies.csv --json | jq .errors
    """
    from reports.directory import import_file
    from reports.table_file import TableFileError

    archive = app.archive()
    try:
        with archive.sessions() as session, session.begin():
            outcome = import_file(session, path, skip_bad=skip_bad)
    except TableFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if as_json:
        print_json(outcome.as_dict())
    else:
        _print_outcome(app, path, outcome)
    if outcome.errors and not outcome.applied:
        raise SystemExit(EXIT_FAILURE)


def _print_outcome(app: AppContext, path: Path, outcome) -> None:
    for error in outcome.errors:
        app.err.print(f"[red]{path.name}:{error.line}[/red]: {error.column}: {error.message}")
    if outcome.ignored_columns:
        app.err.print(f"ignored columns: {', '.join(outcome.ignored_columns)}")
    if not outcome.applied:
        app.err.print(
            f"[bold]nothing imported[/bold]: {len(outcome.errors)} error(s) on "
            f"{len({e.line for e in outcome.errors})} line(s); fix them or use --skip-bad"
        )
        return
    app.console.print(
        f"{outcome.created} agencies added, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged, {outcome.codes} codes"
        + (
            f"; skipped lines {', '.join(map(str, outcome.skipped_lines))}"
            if outcome.errors
            else ""
        )
    )
    if outcome.created or outcome.updated:
        app.console.print("run `govmail report rebuild` to attribute archived mail again")


@command.command("list")
@click.option("--level", type=click.Choice(LEVELS), help="Only agencies of this level.")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d"]), help="Codes valid on this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the agencies as JSON.")
@pass_app
def list_(app: AppContext, level: str | None, at, as_json: bool) -> None:
    """List the agencies of the directory with their current code, level and parent.

    \b
    Examples:
      govmail agencies list
      govmail agencies list --level commune --at 2024-12-31
      govmail agencies list --json | jq '.[].code'
    """
    from reports.directory import list_agencies

    with app.archive().sessions() as session:
        rows = list_agencies(session, level=level, day=at.date() if at else None)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Agencies ({len(rows)})")
    for col in ("code", "short", "name", "level", "parent", "domains", "addresses"):
        table.add_column(col, justify="right" if col in ("domains", "addresses") else "left")
    for row in rows:
        table.add_row(
            *map(
                escape,
                (
                    row["code"],
                    row["short"],
                    row["name"],
                    row["level"],
                    row["parent"] or "",
                    str(row["domains"]),
                    str(row["addresses"]),
                ),
            )
        )
    app.console.print(table)


@command.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the agency as JSON.")
@pass_app
def show(app: AppContext, code: str, as_json: bool) -> None:
    """One agency: its codes over time, domains, addresses, parent, units, documents.

    \b
    Examples:
      govmail agencies show 000.00.00.H43
      govmail agencies show H48.53 --json
    """
    from reports.directory import AgencyNotFound, agency_detail, find_agency

    with app.archive().sessions() as session:
        try:
            agency = find_agency(session, code, date.today())
        except AgencyNotFound as exc:
            raise click.ClickException(str(exc)) from None
        detail = agency_detail(session, agency)
    if as_json:
        print_json(detail)
        return
    table = Table(title=escape(f"{detail['code']} {detail['name']}"), show_header=False)
    table.add_column("what")
    table.add_column("value")
    rows: list[tuple[str, str]] = []
    rows.append(("level", detail["level"]))
    if detail["notation"]:
        rows.append(("ký hiệu", detail["notation"]))
    parent = detail["parent"]
    rows.append(("parent", f"{parent['code']} {parent['name']}" if parent else "—"))
    for c in detail["codes"]:
        span = f"{c['valid_from'] or '…'} → {c['valid_to'] or '…'}"
        rows.append(("code", f"{c['code']} ({c['short']})  {span}"))
    rows.append(("domains", ", ".join(detail["domains"]) or "—"))
    rows.append(("addresses", ", ".join(detail["addresses"]) or "—"))
    for child in detail["children"]:
        rows.append(("unit", f"{child['code']} {child['name']}"))
    rows.append(("documents sent", f"{detail['documents_sent']:,}"))
    rows.append(("documents received", f"{detail['documents_received']:,}"))
    for row in rows:
        table.add_row(*map(escape, row))
    app.console.print(table)


@command.command("match")
@click.argument("addresses", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
@pass_app
def match(app: AppContext, addresses: tuple[str, ...], as_json: bool) -> None:
    """Which agency each address is attributed to, and by what (address, domain, parent
    domain). Exit 1 when an address matches no agency.

    \b
    Examples:
      govmail agencies match vanthu@ninhthuan.gov.vn someone@gmail.com
    """
    from reports.directory import load_directory

    with app.archive().sessions() as session:
        directory = load_directory(session)
    found = []
    for address in addresses:
        hit = directory.match(address)
        found.append(
            {
                "address": address,
                "code": directory.code_at(hit.agency_id, date.today()) if hit else None,
                "name": directory.names[hit.agency_id] if hit else None,
                "by": hit.kind if hit else None,
                "matched": hit.key if hit else None,
            }
        )
    if as_json:
        print_json(found)
    else:
        for item in found:
            if item["code"] is None:
                app.console.print(f"{escape(item['address'])}: [yellow]no agency[/yellow]")
            else:
                app.console.print(
                    escape(
                        f"{item['address']}: {item['code']} {item['name']} "
                        f"(by {item['by']} {item['matched']})"
                    )
                )
    if any(item["code"] is None for item in found):
        raise SystemExit(EXIT_FAILURE)
