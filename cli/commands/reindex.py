"""govmail reindex"""

from __future__ import annotations

import click

from cli.context import AppContext, pass_app
from cli.output import counting_bar


@click.command("reindex")
@pass_app
def command(app: AppContext) -> None:
    """Delete the search index and rebuild it from the archive.

    Uses the stored message and document text: nothing is re-extracted or re-OCR'd.
    Interrupted (Ctrl-C), it keeps what it indexed; `govmail search check --repair` adds
    the rest.

    \b
    Examples:
      govmail reindex
      GOVMAIL_SEARCH__ENGINE=whoosh govmail reindex
    """
    from search.service import SearchService

    service = SearchService(app.settings, app.archive())
    try:
        total = service.message_count()
        with counting_bar(app.err, "reindexing", total) as advance:
            done = service.reindex(progress=advance)
    except KeyboardInterrupt:
        app.err.print(
            "interrupted: the index holds only part of the archive. Run `govmail search check"
            " --repair` to add the rest, or `govmail reindex` to start again."
        )
        raise SystemExit(130) from None
    finally:
        service.close()
    app.console.print(f"indexed {done:,} messages with {app.settings.search.engine}")
