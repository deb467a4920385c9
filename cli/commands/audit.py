"""govmail audit"""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from cli.context import AppContext, pass_app
from cli.output import print_json


@click.command("audit")
@click.option("--user", "username", help="Only this user.")
@click.option("--action", help="Only this action (sign-in, search, view, download, …).")
@click.option("--outcome", type=click.Choice(["ok", "denied", "failed"]), help="Only these.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="From this day (UTC).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Most entries."
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print as CSV.")
@pass_app
def command(
    app: AppContext,
    username: str | None,
    action: str | None,
    outcome: str | None,
    since: datetime | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List the audit log: sign-ins, searches, message views and downloads (newest first).

    \b
    Examples:
      govmail audit
      govmail audit --outcome denied
      govmail audit --user an.nv --since 2024-01-01 --csv > an.nv.csv
    """
    from datetime import UTC

    from web import audit

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")

    with app.archive().sessions() as session:
        rows = audit.entries(
            session,
            username=username,
            action=action,
            outcome=outcome,
            since=since.replace(tzinfo=UTC) if since else None,
            limit=limit,
        )
        if as_csv:
            click.echo(audit.to_csv(rows), nl=False)
            return
        data = [audit.as_dict(r) for r in rows]
    if as_json:
        print_json(data)
        return
    table = Table(title="Audit log")
    for col in ("time (UTC)", "user", "action", "target", "client", "outcome"):
        table.add_column(col)
    for d in data:
        table.add_row(
            d["at"][:19],
            d["user"] or "",
            d["action"],
            d["target"] or "",
            d["client"] or "",
            d["outcome"],
        )
    app.console.print(table)
