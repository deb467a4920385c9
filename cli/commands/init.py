"""govmail init"""

from __future__ import annotations

import click
from rich.markup import escape

from cli.context import AppContext, cannot_open, pass_app


@click.command("init")
@pass_app
def command(app: AppContext) -> None:
    """Create the database (or bring it up to date) and the blob store.

    Safe to run again: it only applies migrations that are pending.

    \b
    Examples:
      govmail init
      govmail --config /etc/govmail/govmail.toml init
    """
    settings = app.settings
    try:
        settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(cannot_open(settings, exc)) from None
    archive = app.archive()
    from archive.blobstore import FileBlobStore

    removed = archive.blobs.clean_tmp() if isinstance(archive.blobs, FileBlobStore) else 0
    app.console.print(
        f"database   {escape(archive.engine.url.render_as_string(hide_password=True))}"
    )
    app.console.print(f"blob store {escape(str(settings.storage.resolved_blobs_dir()))}")
    if removed:
        app.console.print(f"removed {removed} partial blob write(s) left by an interrupted run")
    app.console.print("[green]ready[/green]")
