"""govmail reindex"""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.context import AppContext, pass_app


@click.command("reindex")
@pass_app
def command(app: AppContext) -> None:
    """Delete the search index and rebuild it from the archive.

    Uses the stored message and document text: nothing is re-extracted or re-OCR'd.

    \b
    Examples:
      govmail reindex
      GOVMAIL_SEARCH__ENGINE=whoosh govmail reindex
    """
    from search.service import SearchService

    service = SearchService(app.settings, app.archive())
    try:
        total = service.message_count()
        with Progress(
            TextColumn("[bold]reindexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=app.err,
            transient=True,
        ) as bar:
            task = bar.add_task("reindex", total=total)
            done = service.reindex(progress=lambda n: bar.advance(task, n))
    finally:
        service.close()
    app.console.print(f"indexed {done:,} messages with {app.settings.search.engine}")
