"""govmail archive …"""

from __future__ import annotations

import click

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import counting_bar, print_json


@click.group("archive")
def command() -> None:
    """Look after the archive's stored data.

    \b
    Examples:
      govmail archive verify
    """


@command.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def verify(app: AppContext, as_json: bool) -> None:
    """Re-hash every stored blob; list missing or altered ones (exit 1 if any).

    \b
    Examples:
      govmail archive verify
      govmail archive verify --json
    """
    from archive.verify import blob_count, verify_blobs

    archive = app.archive()
    total = blob_count(archive)
    with counting_bar(app.err, "verifying", total, hidden=as_json) as advance:
        report = verify_blobs(archive, progress=advance)
    if as_json:
        print_json(
            {
                "checked": report.checked,
                "ok": report.ok,
                "problems": [{"sha256": k, "problem": p} for k, p in report.problems],
            }
        )
    else:
        for key, problem in report.problems:
            app.console.print(f"[red]{key}[/red]: {problem}")
        verdict = (
            "[green]all intact[/green]"
            if report.ok
            else (f"[red]{len(report.problems)} problem(s)[/red]")
        )
        app.console.print(f"checked {report.checked:,} blobs: {verdict}")
    if not report.ok:
        raise SystemExit(EXIT_FAILURE)
