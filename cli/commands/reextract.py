"""govmail reextract"""

from __future__ import annotations

import click

from cli.context import AppContext, pass_app
from cli.output import counting_bar, print_json


@click.command("reextract")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def command(app: AppContext, as_json: bool) -> None:
    """Read every attached document again: text, scan flag, metadata, signatures.

    For after an upgrade of govmail or of the trust anchors. Only derived data changes (the
    raw mail is never touched); OCR text of scans is kept (`govmail ocr --all` redoes it).
    The search index and the exchange log are brought up to date as it goes.

    \b
    Examples:
      govmail reextract
      govmail reextract --json
    """
    from archive.documents.extraction import attachment_count, reextract
    from archive.documents.reader import DocumentReader

    archive = app.archive()
    reader = DocumentReader(app.settings.documents)
    try:
        with counting_bar(app.err, "re-reading", attachment_count(archive), as_json) as advance:
            summary = reextract(archive, reader, progress=advance)
    except KeyboardInterrupt:
        app.err.print(
            "interrupted: documents read so far keep their new text; the others keep the old."
            " Run `govmail reextract` again to read them all (or `govmail search check"
            " --repair` to bring the index up to date with what was read)."
        )
        raise SystemExit(130) from None
    finally:
        reader.close()
    result = {
        "documents": summary.documents,
        "failed": summary.failed,
        "scanned": summary.scanned,
        "signed": summary.signed,
    }
    if as_json:
        print_json(result)
        return
    app.console.print(
        f"read {summary.documents:,} documents: {summary.scanned:,} scans, "
        f"{summary.signed:,} signed, {summary.failed:,} with errors"
    )
