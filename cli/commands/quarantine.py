"""govmail quarantine list | show | release | delete"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import human_size, print_json


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


def _spool(app: AppContext):
    from gateway.context import open_spool

    return open_spool(app.settings)


def _row(entry) -> dict:
    meta = entry.meta
    return {
        "id": meta.id,
        "received_at": datetime.fromtimestamp(meta.received_at, UTC).isoformat(timespec="seconds"),
        "from": meta.mail_from,
        "to": meta.rcpt_to,
        "subject": meta.subject,
        "rule": meta.rule,
        "reason": meta.reason_en,
        "reason_vi": meta.reason_vi,
        "dkim": meta.dkim_result,
        "size": len(entry.raw),
    }


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
    rows = [_row(e) for e in _spool(app).entries("quarantine")]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Quarantine ({len(rows)})")
    for col in ("id", "received", "from", "to", "subject", "rule", "size"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"], r["received_at"], r["from"], ", ".join(r["to"]), r["subject"], r["rule"],
            human_size(r["size"]),
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
    spool = _spool(app)
    path = spool.find("quarantine", entry_id)
    if path is None:
        raise click.ClickException(f"no quarantined message {entry_id}")
    entry = spool.read(path)
    if raw:
        click.get_binary_stream("stdout").write(entry.raw)
        return
    row = _row(entry)
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        app.console.print(f"[bold]{key}[/bold]: {value}", markup=True, highlight=False)
    head = entry.raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    app.console.print(head, markup=False)


@command.command("release")
@click.argument("entry_ids", nargs=-1, required=True)
@pass_app
def release(app: AppContext, entry_ids: tuple[str, ...]) -> None:
    """Release held messages: they go to the relay queue and on to the next hop.

    \b
    Examples:
      govmail quarantine release 20261124153000-1a2b3c4d5e6f
    """
    spool = _spool(app)
    failed = False
    for entry_id in entry_ids:
        path = spool.find("quarantine", entry_id)
        bak = spool.claim(path) if path else None
        if bak is None:
            app.err.print(f"[red]not found[/red]: {entry_id}")
            failed = True
            continue
        entry = spool.read(bak)
        entry.meta.action = "released"
        entry.meta.pending = list(entry.meta.rcpt_to)
        entry.meta.next_attempt = 0.0
        spool.replace(entry, "relay", bak)
        app.console.print(f"released {entry_id}: queued for the next hop")
    if failed:
        raise SystemExit(EXIT_FAILURE)


@command.command("delete")
@click.argument("entry_ids", nargs=-1, required=True)
@pass_app
def delete(app: AppContext, entry_ids: tuple[str, ...]) -> None:
    """Delete held messages (the archived copy stays in the archive).

    \b
    Examples:
      govmail quarantine delete 20261124153000-1a2b3c4d5e6f
    """
    spool = _spool(app)
    failed = False
    for entry_id in entry_ids:
        path = spool.find("quarantine", entry_id)
        if path is None:
            app.err.print(f"[red]not found[/red]: {entry_id}")
            failed = True
            continue
        spool.done(path)
        app.console.print(f"deleted {entry_id}")
    if failed:
        raise SystemExit(EXIT_FAILURE)
