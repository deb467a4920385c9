"""govmail imap sync | status"""

from __future__ import annotations

import asyncio

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from cli.context import EXIT_FAILURE, AppContext, pass_app
from cli.output import print_json


@click.group("imap")
def command() -> None:
    """Archive existing mailboxes over IMAP (read-only: no flag is ever changed).

    Accounts are configured in [[imap.accounts]] (see config/govmail.example.toml).

    \b
    Examples:
      govmail imap sync                 import every account, then follow new mail
      govmail imap sync vanphong --once import one account and stop
      govmail imap status               per folder: UIDVALIDITY, last UID, lag, errors
      govmail imap status --json
    """


class _BarObserver:
    """One rich progress bar per folder being imported; problems printed above the bars."""

    def __init__(self, progress: Progress, err: Console):
        self.progress = progress
        self.err = err
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def folder_started(self, account: str, folder: str, total: int) -> None:
        key = (account, folder)
        if key in self.tasks:
            self.progress.remove_task(self.tasks[key])
        self.tasks[key] = self.progress.add_task(f"{account}/{folder}", total=total)

    def advanced(self, account: str, folder: str, count: int) -> None:
        task = self.tasks.get((account, folder))
        if task is not None:
            self.progress.advance(task, count)

    def folder_finished(self, account: str, folder: str) -> None:
        task = self.tasks.get((account, folder))
        if task is not None:
            # Progress.tasks is a list: after a folder's earlier bar was removed, a task id
            # is no index into it.
            total = next((t.total for t in self.progress.tasks if t.id == task), None)
            self.progress.update(task, completed=total)

    def problem(self, account: str, text: str) -> None:
        self.progress.console.print(f"[yellow]{account}[/yellow]: {text}")


@command.command("sync")
@click.argument("account", required=False)
@click.option("--once", is_flag=True, help="Import what is there now, then stop (no IDLE).")
@pass_app
def sync(app: AppContext, account: str | None, once: bool) -> None:
    """Import the configured mailboxes, then follow new mail with IDLE (or polling).

    Without ACCOUNT every account is synced, several at a time. The position in each folder
    is kept in the database: a stopped or failed sync resumes where it stopped. Ctrl-C
    stops cleanly. Exit 1 when an account fails (wrong password, TLS, unreachable with
    --once).

    \b
    Examples:
      govmail imap sync
      govmail imap sync vanphong --once
    """
    from gateway.imap.runner import run_accounts

    settings = app.settings
    if not settings.imap.accounts:
        raise click.UsageError(
            f"no IMAP accounts configured in {settings.source}: add [[imap.accounts]] "
            "(see config/govmail.example.toml)"
        )
    if account and settings.imap.account(account) is None:
        known = ", ".join(a.name for a in settings.imap.accounts)
        raise click.BadParameter(
            f"no account {account!r} (configured: {known})", param_hint="ACCOUNT"
        )
    archive = app.archive()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=app.err,
    ) as progress:
        observer = _BarObserver(progress, app.err)
        if not once:
            progress.console.print("initial import, then following new mail (Ctrl-C stops)")
        try:
            outcomes = asyncio.run(
                run_accounts(settings, archive, [account] if account else None, once, observer)
            )
        except KeyboardInterrupt:
            progress.console.print("stopped; the next sync resumes where this one stopped")
            return
    failed = [o for o in outcomes if o.error]
    for outcome in outcomes:
        if outcome.error:
            app.err.print(f"[red]error[/red]: {outcome.error}")
        else:
            app.console.print(f"{outcome.account}: {outcome.stored} messages archived")
    if failed:
        raise SystemExit(EXIT_FAILURE)


@command.command("status")
@click.argument("account", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def status(app: AppContext, account: str | None, as_json: bool) -> None:
    """Per account and folder: UIDVALIDITY, last UID, messages archived, lag, last error.

    Lag is the server's UIDNEXT-1 minus the last UID archived, as of the last look, and
    the time since that look. Skipped messages (the server would not give them) are
    fetched again on later syncs, 1, 2, 4 … minutes apart, ten times at most; --json lists
    them with their attempts.

    \b
    Examples:
      govmail imap status
      govmail imap status vanphong --json
    """
    from gateway.imap.folder_names import decode
    from gateway.imap.folder_plan import MAX_SKIP_ATTEMPTS, lag
    from gateway.imap.state import FolderStates, age_seconds

    states = FolderStates(app.archive().sessions)
    skipped: dict[tuple[str, str], list[dict]] = {}
    for s in states.skipped(account):
        skipped.setdefault((s.account, s.folder), []).append(
            {
                "uid": s.uid,
                "attempts": s.attempts,
                "last_attempt_at": s.last_at,
                "error": s.last_error,
                "given_up": s.attempts >= MAX_SKIP_ATTEMPTS,
            }
        )
    rows = []
    for row in states.all(account):
        rows.append(
            {
                "account": row.account,
                "folder": decode(row.folder),
                "direction": row.direction,
                "uidvalidity": row.uidvalidity,
                "last_uid": row.last_uid,
                "server_uidnext": row.server_uidnext,
                "server_messages": row.server_messages,
                "archived": row.archived,
                "skipped": row.skipped,
                "skipped_messages": skipped.get((row.account, row.folder), []),
                "rescans": row.rescans,
                "lag_messages": lag(row.last_uid, row.server_uidnext),
                "last_sync_at": row.last_sync_at,
                "seconds_since_sync": age_seconds(row.last_sync_at),
                "last_error": row.last_error,
                "last_error_at": row.last_error_at,
            }
        )
    accounts = {}
    for name, (error, at) in states.connection_errors(account).items():
        synced = [r["last_sync_at"] for r in rows if r["account"] == name and r["last_sync_at"]]
        if not synced or at > max(synced):  # still failing since the last good sync
            accounts[name] = {"last_connection_error": error, "at": at}
    if account and not rows and not accounts and app.settings.imap.account(account) is None:
        known = ", ".join(a.name for a in app.settings.imap.accounts) or "none"
        raise click.BadParameter(
            f"no account {account!r} (configured: {known})", param_hint="ACCOUNT"
        )
    if as_json:
        print_json({"folders": rows, "accounts": accounts})
        if accounts:
            raise SystemExit(EXIT_FAILURE)
        return
    for name, problem in accounts.items():
        app.err.print(
            f"[red]{name}[/red]: cannot sync since {problem['at']:%Y-%m-%d %H:%M} UTC: "
            f"{problem['last_connection_error']}"
        )
    if not rows:
        app.console.print("no IMAP folder synced yet (run: govmail imap sync)")
        raise SystemExit(EXIT_FAILURE if accounts else 0)
    table = Table()
    for col in ("account", "folder", "dir", "UIDVALIDITY", "last UID", "archived", "lag",
                "last sync", "last error"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in rows:
        since = r["seconds_since_sync"]
        table.add_row(
            r["account"], r["folder"], r["direction"] or "", str(r["uidvalidity"] or ""),
            str(r["last_uid"]),
            f"{r['archived']} ({r['skipped']} skipped)" if r["skipped"] else str(r["archived"]),
            "" if r["lag_messages"] is None else str(r["lag_messages"]),
            "" if since is None else f"{since:.0f} s ago", r["last_error"] or "",
        )  # fmt: skip
    app.console.print(table)
    if accounts:  # an account that cannot sync fails the check, as README promises
        raise SystemExit(EXIT_FAILURE)
