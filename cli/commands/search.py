"""govmail search …"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from cli.context import EXIT_FAILURE, EXIT_USAGE, AppContext, pass_app
from cli.output import counting_bar, print_json

QUERY_HELP = """Search archived mail and attached documents (Vietnamese with or without
diacritics).

\b
Query language:
  văn bản điện tử            every word must match (diacritics optional)
  "chữ ký số"                a phrase
  a OR b, -word, ( … )       either, exclude, group
  from: to: agency: so: type: filename: verdict: direction:in|out|internal
  signed:yes|no scanned:yes|no ocr:yes|no has:attachment
  date:2023-01-01..2023-03-31 date:2023-05 before:2023-01-01 after:2023-01-01

\b
Examples:
  govmail search van ban dien tu
  govmail search '"chữ ký số" so:5985/UBND-KTN'
  govmail search 'from:vanthu@ubnd.ninhthuan.gov.vn date:2023-01..2023-03 has:attachment'
  govmail search --as an.nv@ninhthuan.gov.vn --json 'kế hoạch' | jq .total
  govmail search check --repair
"""


class _QueryOrCommand(click.Group):
    """``govmail search QUERY…`` runs a query; ``govmail search check`` is a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["--", *args]  # a query: its first word may be an exclusion (-nháp)
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``govmail search QUERY`` is the usual call: its options (--as, --json, --limit,
        --page) are listed here, not only under the hidden ``query`` command."""
        params = [*self.commands["query"].params, *self.get_params(ctx)]
        records = [
            record
            for p in params
            if isinstance(p, click.Option) and (record := p.get_help_record(ctx))
        ]
        with formatter.section("Options"):
            formatter.write_dl(records)
        self.format_commands(ctx, formatter)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return "query", self.commands["query"], args


class _QueryCommand(click.Command):
    """Only the command's own options are options: any other argument starting with '-'
    is a word of the query (``-nháp`` excludes a word), wherever it stands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with_value, flags = set(), set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                (flags if param.is_flag else with_value).update(param.opts)
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                words.extend(rest)
            elif arg in flags:
                options.append(arg)
            elif arg.split("=", 1)[0] in with_value:
                options.append(arg)
                if "=" not in arg and (value := next(rest, None)) is not None:
                    options.append(value)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words])


@click.group(
    "search",
    cls=_QueryOrCommand,
    help=QUERY_HELP,
    invoke_without_command=False,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
def command() -> None:
    pass


@command.command("query", cls=_QueryCommand, hidden=True, help=QUERY_HELP)
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 1000), help="Results per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page.")
@click.option(
    "--as",
    "as_",
    metavar="WHO",
    help="Only what this mailbox, @domain or agency code may see; default: everything.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_app
def query(
    app: AppContext,
    words: tuple[str, ...],
    limit: int | None,
    page: int,
    as_: str | None,
    as_json: bool,
) -> None:
    from search.query import QuerySyntaxError
    from search.scope import Scope
    from search.service import PageOutOfReach, SearchService

    text = " ".join(words)
    try:
        scope = _scope(app, as_) if as_ is not None else Scope.all()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as") from None
    service = SearchService(app.settings, app.archive())
    try:
        result = service.search(text, scope, page=page, limit=limit)
    except QuerySyntaxError as exc:
        click.echo(
            f"{exc.message} at position {exc.position + 1}:\n  {text}\n  {' ' * exc.position}^",
            err=True,
        )
        raise SystemExit(EXIT_USAGE) from None
    except PageOutOfReach as exc:
        raise click.BadParameter(str(exc), param_hint="--page") from None
    finally:
        service.close()
    if as_json:
        print_json(
            {
                "total": result.total,
                "page": result.page,
                "pages": result.pages,
                "hits": [h.as_json() for h in result.hits],
            }
        )
        return
    app.console.print(
        f"[bold]{result.total:,}[/bold] message(s) match (page {result.page}/{result.pages})"
    )
    if result.total and result.page > result.pages:
        app.err.print(f"page {result.page} is past the last one: try --page {result.pages}")
    for hit in result.hits:
        when = hit.date.strftime("%Y-%m-%d") if hit.date else "—"
        app.console.print(
            f"[cyan]{hit.id:>7}[/cyan]  {when}  {escape(hit.sender or '')}  "
            f"[bold]{escape(hit.subject or '(no subject)')}[/bold]"
        )
        app.console.print(
            f"         [dim]{escape(hit.matched_in)}:[/dim] {escape(hit.snippet.text('*'))}"
        )


def _scope(app: AppContext, value: str):
    """A mailbox or ``*``; else an agency, by code or by domain, as a web clerk sees it (an
    agency code has dots too: read as a domain it would match nothing)."""
    from gateway.access import agency_scope
    from reports.directory import AgencyNotFound
    from search.scope import Scope

    text = value.strip()
    if text in ("*", "all", "auditor") or ("@" in text and not text.startswith("@")):
        return Scope.parse(text)
    with app.archive().sessions() as session:
        try:
            return agency_scope(session, text)
        except AgencyNotFound:
            raise ValueError(
                f"{value!r} is not a mailbox, a mail domain or an agency code in the "
                "directory (see govmail agencies list)"
            ) from None


@command.command("check")
@click.option("--repair", is_flag=True, help="Index what is missing or stale; drop extras.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def check(app: AppContext, repair: bool, as_json: bool) -> None:
    """Prove every archived message and document is in the index (exit 1 if not).

    \b
    Examples:
      govmail search check
      govmail search check --repair
    """
    from search.service import SearchService

    service = SearchService(app.settings, app.archive())
    try:
        total = service.message_count()
        with counting_bar(app.err, "checking", total, hidden=as_json) as advance:
            report = service.check(repair=repair, progress=advance)
    finally:
        service.close()
    data = {
        "messages": report.messages,
        "missing": report.missing,
        "stale": report.stale,
        "extra": report.extra,
        "ok": report.ok,
        "repaired": report.repaired,
    }
    if as_json:
        print_json(data)
    else:
        table = Table(title="Search index", show_header=False)
        table.add_row("archived messages", f"{report.messages:,}")
        table.add_row("not in the index", f"{len(report.missing):,}")
        table.add_row("indexed before new text (OCR, re-extraction)", f"{len(report.stale):,}")
        table.add_row("in the index but not archived", f"{len(report.extra):,}")
        app.console.print(table)
        if report.ok:
            app.console.print("[green]complete: every archived message is searchable[/green]")
        elif report.repaired:
            app.console.print("[green]repaired[/green]")
        else:
            app.console.print("[red]incomplete[/red]: run govmail search check --repair")
    if not report.ok and not report.repaired:
        raise SystemExit(EXIT_FAILURE)
