"""govmail export"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.context import AppContext, pass_app


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

    \b
    Examples:
      govmail export 42 --out 42.eml
      govmail export 1 2 3 --format mbox --out case-17.mbox
      govmail export 1 2 3 --format zip --out case-17.zip
    """
    from archive.export import load, write_eml_files, write_mbox, write_zip
    from archive.queries import MessageNotFound

    archive = app.archive()
    try:
        messages = load(archive, idents)
    except MessageNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "eml":
        if str(out) == "-" or (out is None and len(messages) == 1):
            sys.stdout.buffer.write(archive.blobs.get(messages[0].sha256))
            return
        if out is not None and len(messages) == 1 and out.suffix == ".eml":
            out.write_bytes(archive.blobs.get(messages[0].sha256))
            app.err.print(f"wrote {out}")
            return
        directory = out or Path(".")
        for path in write_eml_files(archive, messages, directory):
            app.err.print(f"wrote {path}")
        return
    if out is None or str(out) == "-":
        if fmt == "zip" and sys.stdout.isatty():
            raise click.UsageError("a ZIP needs --out FILE (or pipe standard output)")
        stream = sys.stdout.buffer
        (write_mbox if fmt == "mbox" else write_zip)(archive, messages, stream)
        return
    with open(out, "wb") as fh:
        (write_mbox if fmt == "mbox" else write_zip)(archive, messages, fh)
    app.err.print(f"wrote {out} ({len(messages)} message(s))")
