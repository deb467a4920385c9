"""govmail stats"""

from __future__ import annotations

import click
from rich.table import Table

from cli.context import AppContext, pass_app
from cli.output import human_size, print_json


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_app
def command(app: AppContext, as_json: bool) -> None:
    """What the archive holds: messages, attachments, blobs, bytes raw and stored.

    \b
    Examples:
      govmail stats
      govmail stats --json | jq .messages
    """
    from archive.stats import archive_stats

    archive = app.archive()
    with archive.sessions() as session:
        data = archive_stats(session)
    if as_json:
        print_json(data)
        return
    table = Table(title="Archive", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("messages", f"{data['messages']:,}")
    for channel, n in sorted(data["by_channel"].items()):
        table.add_row(f"  from {channel}", f"{n:,}")
    table.add_row("attachments", f"{data['attachments']:,}")
    table.add_row("messages with parse errors", f"{data['parse_errors']:,}")
    table.add_row("blobs", f"{data['blobs']:,}")
    table.add_row("raw mail", human_size(data["bytes_raw"]))
    table.add_row("stored (deduplicated, zstd)", human_size(data["bytes_stored"]))
    docs = data["documents"]
    table.add_row("documents read (distinct attachments)", f"{docs['read']:,}")
    table.add_row("  with text", f"{docs['with_text']:,}")
    table.add_row("  with a số/ký hiệu", f"{docs['with_document_number']:,}")
    table.add_row("  scanned (OCR pending)", f"{docs['scanned']:,} ({docs['ocr_pending']:,})")
    table.add_row("  signed (valid)", f"{docs['signed']:,} ({docs['signature_valid']:,})")
    table.add_row("  could not be read", f"{docs['read_errors']:,}")
    app.console.print(table)
    if data["attachment_types"]:
        types = Table(title="Attachment types (by content)")
        types.add_column("type")
        types.add_column("count", justify="right")
        for row in data["attachment_types"]:
            types.add_row(row["type"], f"{row['count']:,}")
        app.console.print(types)
