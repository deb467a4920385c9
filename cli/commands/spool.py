"""govmail spool list | requeue"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.markup import escape
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import print_json
from config.logsetup import clean


@click.group("spool")
def command() -> None:
    """The gateway's spool: what waits for relay or archiving, and parked messages.

    \b
    Examples:
      govmail spool list
      govmail spool list --json
      govmail spool requeue 20261124153000-1a2b3c4d5e6f
      govmail spool requeue --all
    """


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """Count each queue and list messages waiting for relay and parked ones.

    \b
    Examples:
      govmail spool list
    """
    from gateway.context import open_spool
    from gateway.spool import QUEUES

    spool = open_spool(app.settings)
    counts = {q: len(spool.files(q)) for q in ("relay", "quarantine", "archive", "bad")}
    rows = []
    for queue in ("relay", "bad"):
        for entry in spool.entries(queue):
            meta = entry.meta
            rows.append(
                {
                    "queue": queue,
                    "id": meta.id,
                    "kind": meta.kind,
                    "from": meta.mail_from,
                    "pending": meta.pending,
                    "attempts": meta.attempts,
                    "next_attempt": datetime.fromtimestamp(meta.next_attempt, UTC).isoformat(
                        timespec="seconds"
                    ),
                    "crashes": meta.crashes,
                    "origin": meta.origin,
                    "last_error": meta.last_error,
                }
            )
    # Files that cannot be read are never skipped in silence: they are someone's mail.
    damaged = [
        {"queue": queue, "file": str(path), "problem": problem}
        for queue in QUEUES
        for path, problem in spool.damaged(queue)
    ]
    if as_json:
        print_json({"counts": counts, "messages": rows, "damaged": damaged})
        return
    app.console.print("  ".join(f"{q}: {n}" for q, n in counts.items()))
    for item in damaged:
        app.err.print(f"[red]damaged[/red] in {item['queue']} (kept): {escape(item['problem'])}")
    if rows:
        table = Table()
        for col in ("queue", "id", "kind", "from", "pending", "attempts", "last error"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(
                r["queue"], r["id"], r["kind"], _shown(r["from"]), _shown(", ".join(r["pending"])),
                str(r["attempts"]), _shown(r["last_error"]),
            )  # fmt: skip
        app.console.print(table)


@command.command("requeue")
@click.argument("entry_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Requeue every parked message.")
@pass_app
def requeue(app: AppContext, entry_ids: tuple[str, ...], everything: bool) -> None:
    """Put parked messages back in the queue they came from.

    \b
    Examples:
      govmail spool requeue 20261124153000-1a2b3c4d5e6f
      govmail spool requeue --all
    """
    from gateway.context import open_spool

    spool = open_spool(app.settings)
    if everything:
        entry_ids = tuple(e.meta.id for e in spool.entries("bad"))
        if not entry_ids:
            app.console.print("nothing parked to requeue (govmail spool list shows damaged files)")
            return
    if not entry_ids:
        raise click.UsageError("name message ids or use --all")
    failed = False
    for entry_id in entry_ids:
        try:
            requeued = spool.requeue(entry_id)
        except ValueError as exc:
            app.err.print(f"[red]damaged, left in bad/[/red]: {escape(str(exc))}")
            failed = True
            continue
        if requeued is None:
            app.err.print(f"[red]not parked[/red]: {escape(entry_id)}")
            failed = True
        else:
            app.console.print(f"requeued {entry_id}")
    if failed:
        raise SystemExit(EXIT_FAILURE)


def _shown(text: str) -> str:
    """Text from mail (addresses, errors quoting a server) as it may reach a terminal."""
    return escape(clean(text))
