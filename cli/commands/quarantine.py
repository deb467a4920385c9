"""govmail quarantine list | show | release | delete"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import human_size, print_json
from config.logsetup import clean


@click.group("quarantine")
def command() -> None:
    """Messages held by the policy: look at them, release them to the next hop, delete them.

    \b
    Examples:
      govmail quarantine list
      govmail quarantine show 20261124153000-1a2b3c4d5e6f
      govmail quarantine release 20261124153000-1a2b3c4d5e6f
      govmail quarantine delete 20261124153000-1a2b3c4d5e6f
    """


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """List held messages.

    \b
    Examples:
      govmail quarantine list
      govmail quarantine list --json | jq '.[].id'
    """
    from gateway import quarantine

    rows = [quarantine.summary(e) for e in quarantine.held(app.settings)]
    for _path, problem in quarantine.damaged(app.settings):
        app.err.print(f"[red]damaged[/red] (kept, not listed): {escape(problem)}")
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Quarantine ({len(rows)})")
    for col in ("id", "received", "from", "to", "subject", "rule", "size"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"], r["received_at"], _shown(r["from"]), _shown(", ".join(r["to"])),
            _shown(r["subject"]), r["rule"], human_size(r["size"]),
        )  # fmt: skip
    app.console.print(table)


@command.command("show")
@click.argument("entry_id")
@click.option("--raw", is_flag=True, help="Print the raw message.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def show(app: AppContext, entry_id: str, raw: bool, as_json: bool) -> None:
    """Show one held message: envelope, rule and reason, headers (or --raw).

    \b
    Examples:
      govmail quarantine show 20261124153000-1a2b3c4d5e6f
      govmail quarantine show 20261124153000-1a2b3c4d5e6f --raw > held.eml
    """
    from gateway import quarantine

    try:
        entry = quarantine.get(app.settings, entry_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if entry is None:
        raise click.ClickException(f"no quarantined message {entry_id}")
    if raw:
        click.get_binary_stream("stdout").write(entry.raw)
        return
    row = quarantine.summary(entry)
    if as_json:
        print_json(row)
        return
    # what the sender chose (subject, addresses, headers) never reaches the terminal raw
    for key, value in row.items():
        app.console.print(f"[bold]{key}[/bold]: {_shown(str(value))}", highlight=False)
    head = entry.raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    app.console.print("\n".join(clean(line) for line in head.splitlines()), markup=False)


@command.command("release")
@click.argument("entry_ids", nargs=-1, required=True)
@pass_app
def release(app: AppContext, entry_ids: tuple[str, ...]) -> None:
    """Release held messages: they go to the relay queue and on to the next hop.

    \b
    Examples:
      govmail quarantine release 20261124153000-1a2b3c4d5e6f
    """
    from gateway import quarantine

    _for_each(app, entry_ids, quarantine.release, "released {}: queued for the next hop")


@command.command("delete")
@click.argument("entry_ids", nargs=-1, required=True)
@pass_app
def delete(app: AppContext, entry_ids: tuple[str, ...]) -> None:
    """Delete held messages (the archived copy stays in the archive).

    \b
    Examples:
      govmail quarantine delete 20261124153000-1a2b3c4d5e6f
    """
    from gateway import quarantine

    _for_each(app, entry_ids, quarantine.delete, "deleted {}")


def _for_each(app: AppContext, entry_ids: tuple[str, ...], action, done: str) -> None:
    """Apply ``action`` to every entry; report the unknown ones and exit 1 if any."""
    failed = False
    for entry_id in entry_ids:
        try:
            found = action(app.settings, entry_id)
        except ValueError as exc:
            app.err.print(f"[red]damaged, left as it is[/red]: {escape(str(exc))}")
            failed = True
            continue
        if not found:
            app.err.print(
                f"[red]not found[/red]: {escape(entry_id)} (unknown id, or already released or"
                " deleted; see govmail quarantine list)"
            )
            failed = True
            continue
        app.console.print(done.format(entry_id))
    if failed:
        raise SystemExit(EXIT_FAILURE)


def _shown(text: str) -> str:
    """Text the sender chose (subject, addresses) as it may reach a terminal: no control
    characters, no rich markup."""
    return escape(clean(text))
