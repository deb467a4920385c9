"""govmail ocr"""

from __future__ import annotations

import click

from cli.context import AppContext, pass_app
from cli.output import counting_bar, print_json


@click.command("ocr")
@click.option("--pending", "mode", flag_value="pending", default=True, help="Scans not OCR'd yet.")
@click.option("--all", "mode", flag_value="all", help="Every scan again (after an upgrade).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many documents.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def command(app: AppContext, mode: str, limit: int | None, as_json: bool) -> None:
    """OCR scanned documents with Tesseract, then make their text searchable.

    Ingest only marks scans (image-only PDFs, page images); this command, or the background
    worker of `govmail serve`, reads them. Exit code 1 when OCR cannot run or a document failed.

    \b
    Examples:
      govmail ocr                 the queue of scans waiting for OCR
      govmail ocr --all           every scan again
      govmail ocr --limit 10 --json
    """
    from archive.documents.ocr_queue import queued, run_ocr
    from archive.documents.reader import DocumentReader

    archive = app.archive()
    reader = DocumentReader(app.settings.documents)
    total = queued(archive, mode)
    if limit is not None:
        total = min(total, limit)
    try:
        with counting_bar(app.err, "OCR", total, hidden=as_json) as advance:
            summary = run_ocr(archive, reader, mode, progress=advance, limit=limit)
    except KeyboardInterrupt:
        app.err.print(
            "interrupted: OCR done so far is kept; `govmail ocr` goes on with the scans"
            " still waiting."
        )
        raise SystemExit(130) from None
    finally:
        reader.close()
    result = {
        "documents": summary.documents,
        "pages": summary.pages,
        "failed": summary.failed,
        "unavailable": summary.unavailable,
    }
    if as_json:
        print_json(result)
    elif summary.unavailable:
        app.err.print(f"[red]OCR cannot run:[/red] {summary.unavailable}")
    else:
        app.console.print(
            f"OCR: {summary.documents:,} documents ({summary.pages:,} pages), "
            f"{summary.failed:,} failed (see `govmail document ID`)"
        )
    if summary.unavailable or summary.failed:
        raise SystemExit(1)
