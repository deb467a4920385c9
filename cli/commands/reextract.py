"""govmail reextract"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from cli.context import AppContext, pass_app
from cli.output import counting_bar, print_json


def _moment(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time such as 2026-12-05T10:58:00+00:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("reextract")
@click.option(
    "--resume-from",
    "started",
    metavar="TIME",
    callback=_moment,
    help="Continue an interrupted run: skip documents read since TIME, the start of that "
    "run (the interruption message prints it). Without a zone, UTC.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def command(app: AppContext, started: datetime | None, as_json: bool) -> None:
    """Read every attached document again: text, scan flag, metadata, signatures.

    For after an upgrade of govmail or of the trust anchors. Only derived data changes (the
    raw mail is never touched); OCR text of scans is kept (`govmail ocr --all` redoes it).
    The search index and the exchange log are brought up to date as it goes.

    \b
    Examples:
      govmail reextract
      govmail reextract --json
      govmail reextract --resume-from 2026-12-05T10:58:00+00:00
    """
    from archive.documents.extraction import attachment_count, reextract
    from archive.documents.reader import DocumentReader

    archive = app.archive()
    reader = DocumentReader(app.settings.documents)
    started = started or datetime.now(UTC).replace(microsecond=0)
    try:
        with counting_bar(app.err, "re-reading", attachment_count(archive), as_json) as advance:
            summary = reextract(archive, reader, progress=advance, started=started)
    except KeyboardInterrupt:
        app.err.print(
            "interrupted: documents read so far keep their new text; the others keep the old."
            " To read the rest: `govmail reextract --resume-from"
            f" {started.isoformat()}` (or `govmail search check --repair` to bring the"
            " index up to date with what was read)."
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
