"""govmail document"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from cli.context import AppContext, pass_app
from cli.output import print_json


@click.command("document")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as JSON.")
@click.option("--text", "with_text", is_flag=True, help="Also print the text that was read.")
@pass_app
def command(app: AppContext, ident: str, as_json: bool, with_text: bool) -> None:
    """Show what was read from attached documents: text, scan/OCR, metadata, signatures.

    ID is an attachment's SHA-256 (or a prefix of 8+ hex digits), or a message: its archive
    id, <Message-ID> or SHA-256. A message shows each of its documents.

    \b
    Examples:
      govmail document 42
      govmail document 3f2a9c1e --text
      govmail document 42 --json | jq '.[] | {number, notation, signed, signature_valid}'
    """
    from archive.documents.view import document_text, document_view, find_documents
    from archive.queries import MessageNotFound

    archive = app.archive()
    with archive.sessions() as session:
        try:
            found = find_documents(session, ident)
        except MessageNotFound as exc:
            raise click.ClickException(str(exc)) from None
        views = []
        for doc, names in found:
            view = document_view(doc, names)
            if with_text:
                view["text"] = document_text(archive.blobs, doc)
            views.append(view)
    if as_json:
        print_json(views)
        return
    if not views:
        app.console.print(f"{ident}: no documents were read from this message")
        return
    for view in views:
        _print(app, view)


def _print(app: AppContext, v: dict) -> None:
    c = app.console
    c.print(f"[bold]Document {v['sha256'][:16]}[/bold]  {escape(', '.join(v['filenames']))}")
    yes = {True: "yes", False: "no", None: "—"}
    number = "/".join(x for x in (v["number"], v["notation"]) if x) or None
    signer = ", ".join(x for x in (v["signer"]["title"], v["signer"]["name"]) if x) or None
    rows = [
        ("Type (file)", f"{v['detected_type']} read by {v['extractor'] or '—'}"),
        ("Pages", v["pages"]),
        ("Text", f"{v['text_chars']:,} characters" + (" (OCR)" if v["ocr"] else "")),
        ("Scanned", f"{yes[v['scanned']]} (OCR {v['ocr_status']})"),
        ("Legacy font", v["legacy_encoding"]),
        ("Số/ký hiệu", number),
        ("Loại", v["type"]),
        ("Cơ quan", v["issuer"]),
        ("Nơi, ngày", ", ".join(x for x in (v["place"], v["issued_date"]) if x) or None),
        ("Trích yếu", v["subject"]),
        ("Người ký", signer),
        ("Signed", yes[v["signed"]]),
    ]
    if v["signed"]:
        rows += [
            ("Valid", yes[v["signature_valid"]]),
            ("Trusted", yes[v["signature_trusted"]]),
            ("Signing time", v["signing_time"]),
            ("Why not", v["signature_reason"]),
        ]
    if v["extract_error"]:
        rows.append(("Error", v["extract_error"]))
    for key, value in rows:  # values come from the mail: never read as markup
        if value is not None:
            style = "red" if key == "Error" else "none"
            c.print(f"  [cyan]{key:<13}[/cyan] [{style}]{escape(str(value))}[/{style}]")
    if v["cites"]:
        c.print("  [cyan]Căn cứ[/cyan]")
        for cite in v["cites"]:
            label = "/".join(x for x in (cite["number"], cite["notation"]) if x)
            c.print(
                escape(f"    {cite['type'] or ''} {label} {cite['issued_date'] or ''}".rstrip())
            )
    if v["signatures"]:
        table = Table(title="Signatures")
        for col in ("field", "signer", "organisation", "time", "intact", "valid", "trusted"):
            table.add_column(col)
        for s in v["signatures"]:
            table.add_row(
                *map(
                    escape,
                    (
                        s.get("field") or "",
                        (s.get("signer") or {}).get("name") or "",
                        (s.get("signer") or {}).get("organisation") or "",
                        f"{s.get('time') or ''} ({s.get('time_source') or '—'})",
                        yes[s.get("intact")],
                        yes[s.get("valid")],
                        yes[s.get("trusted")],
                    ),
                )
            )
        c.print(table)
    if v.get("text"):
        c.print("[bold]Text[/bold]")
        c.print(v["text"], markup=False)
