"""govmail import"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import print_json

_NOT_MAIL = frozenset({"skipped: does not look like a message", "skipped: not mail"})


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@pass_app
def command(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Archive messages from files: .eml, Outlook .msg, mbox, Maildir, directories of them,
    tar and ZIP exports (Zimbra, mail clients); files may be gzip, bzip2 or xz compressed.

    Formats are recognised by content. Importing the same messages again adds nothing.
    A message that cannot be parsed is still archived, raw, with its parse error.

    \b
    Examples:
      govmail import mail.eml note.msg
      govmail import ~/Maildir /srv/export/2023.mbox.gz
      govmail import zimbra-vanthu.tgz
      govmail import --json backups/ | jq .messages_new
    """
    from archive.bulk_import import run_import
    from archive.importers import plan, printable

    try:
        entries = plan(list(paths))
    except FileNotFoundError as exc:
        missing = printable(str(exc))
        raise click.BadParameter(
            f"{missing}: no such file or directory", param_hint="PATHS"
        ) from None
    archive = app.archive()
    total = entries.total_bytes
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=app.err,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=total or 1)
        summary = run_import(archive, entries, progress=lambda n: bar.advance(task, n))
    data = summary.as_dict()
    if as_json:
        print_json(data)
    else:
        _print_summary(app, summary)
    if not any(data[k] for k in ("messages_new", "messages_existing", "skipped", "unreadable")):
        shown = ", ".join(printable(str(p)) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        app.err.print(f"Nothing imported: no mail found in {escape(shown)}")
    if data["unreadable"]:
        raise SystemExit(EXIT_FAILURE)


def _print_summary(app: AppContext, summary) -> None:
    table = Table(title="Import summary")
    cols = ["format", "new", "known", "parse errors", "attachments", "unreadable"]
    for col in cols:
        table.add_column(col, justify="left" if col == "format" else "right")
    keys = ["messages_new", "messages_existing", "parse_errors", "attachments", "unreadable"]
    for fmt, counts in sorted(summary.by_format.items()):
        if fmt != "skip":
            table.add_row(fmt, *(str(getattr(counts, k)) for k in keys))
    table.add_row("[bold]total", *(f"[bold]{summary.total(k)}" for k in keys))
    app.console.print(table)
    # Files that are not mail are only counted; a link or a pipe skipped is named.
    problems = [(r, p) for r, p in summary.problems if p not in _NOT_MAIL]
    for ref, problem in problems[:20]:
        app.console.print(f"  [yellow]{escape(ref)}[/yellow]: {escape(problem)}")
    if len(problems) > 20:
        app.console.print(f"  … and {len(problems) - 20} more (--json lists them all)")
    skipped = len(summary.problems) - len(problems)
    if skipped:
        app.console.print(
            f"{skipped} file(s) skipped: they do not look like mail (--json lists them; "
            "name a file on the command line to import it anyway)"
        )
