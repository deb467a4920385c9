"""govmail export"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from cli.context import AppContext, pass_app

if TYPE_CHECKING:
    from archive.ingest import Archive
    from archive.models import Message


@click.command("export")
@click.argument("idents", nargs=-1, required=True, metavar="ID...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["eml", "mbox", "zip"]),
    default="eml",
    show_default=True,
    help="eml: raw files; mbox: one mbox; zip: raw + attachments + manifest.csv.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Output file (mbox, zip) or directory (eml). '-' for standard output.",
)
@pass_app
def command(app: AppContext, idents: tuple[str, ...], fmt: str, out: Path | None) -> None:
    """Export archived messages byte for byte as they were received.

    Each ID is an archive id, a <Message-ID> or a SHA-256 prefix (8+ hex digits), as for
    'govmail show'. A file is written only once complete.

    \b
    Examples:
      govmail export 42 --out 42.eml
      govmail export 1 2 3 --format mbox --out case-17.mbox
      govmail export 1 2 3 --format zip --out case-17.zip
    """
    from archive.blobstore import BlobCorrupt, BlobMissing
    from archive.export import load
    from archive.queries import MessageNotFound

    archive = app.archive()
    try:
        messages = load(archive, idents)
    except MessageNotFound as exc:
        raise click.ClickException(str(exc)) from None
    try:
        _write(app, archive, messages, fmt, out)
    except (BlobMissing, BlobCorrupt) as exc:
        what = "missing from" if isinstance(exc, BlobMissing) else "damaged in"
        raise click.ClickException(
            f"export stopped: blob {exc.args[0]} is {what} the store "
            "(no partial file is left; 'govmail archive verify' lists the damage)"
        ) from None
    except OSError as exc:
        where = exc.filename or out
        raise click.ClickException(f"cannot write {where}: {exc.strerror}") from None


def _write(
    app: AppContext, archive: Archive, messages: list[Message], fmt: str, out: Path | None
) -> None:
    """Write the export; a file appears only when complete."""
    from archive.export import replacing, write_eml_files, write_mbox, write_zip

    if fmt == "eml":
        if str(out) == "-" and len(messages) > 1:  # one .eml holds one message
            raise click.UsageError(
                f"{len(messages)} messages cannot go to standard output as .eml: "
                "use --format mbox or zip, or --out DIRECTORY"
            )
        if str(out) == "-" or (out is None and len(messages) == 1):
            sys.stdout.buffer.write(archive.blobs.get(messages[0].sha256))
            return
        if out is not None and len(messages) == 1 and out.suffix == ".eml":
            with replacing(out) as fh:
                fh.write(archive.blobs.get(messages[0].sha256))
            app.err.print(f"wrote {escape(str(out))}")
            return
        directory = out or Path(".")
        for path in write_eml_files(archive, messages, directory):
            app.err.print(f"wrote {escape(str(path))}")
        return
    if out is None or str(out) == "-":
        if fmt == "zip" and sys.stdout.isatty():
            raise click.UsageError("a ZIP needs --out FILE (or pipe standard output)")
        stream = sys.stdout.buffer
        (write_mbox if fmt == "mbox" else write_zip)(archive, messages, stream)
        return
    with replacing(out) as fh:
        (write_mbox if fmt == "mbox" else write_zip)(archive, messages, fh)
    app.err.print(f"wrote {escape(str(out))} ({len(messages)} message(s))")
