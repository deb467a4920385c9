"""govmail show"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from cli.context import AppContext, pass_app
from cli.output import human_size, print_json


@click.command("show")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the message as JSON.")
@pass_app
def command(app: AppContext, ident: str, as_json: bool) -> None:
    """Show one archived message: headers, MIME tree, attachments with detected types.

    ID is the archive id, the <Message-ID>, or a SHA-256 prefix (8+ hex digits).

    \b
    Examples:
      govmail show 42
      govmail show '<CAE1x@mail.gmail.com>'
      govmail show 42 --json | jq '.parts[] | {filename, detected_type}'
    """
    from archive.queries import MessageNotFound, find_message, message_detail

    archive = app.archive()
    with archive.sessions() as session:
        try:
            detail = message_detail(find_message(session, ident))
        except MessageNotFound as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        print_json(detail)
        return
    _print(app, detail)


def _print(app: AppContext, d: dict) -> None:
    c = app.console
    c.print(f"[bold]Message {d['id']}[/bold]  sha256 {d['sha256']}")
    rows = [("Message-ID", d["message_id"]), ("Date", d["date"]), ("Subject", d["subject"])]
    for role in ("from", "sender", "reply-to", "to", "cc", "bcc"):
        found = [a for a in d["addresses"] if a["role"] == role]
        if found:
            rows.append(
                (
                    role.title(),
                    ", ".join(
                        f"{a['name']} <{a['address']}>" if a["name"] else a["address"]
                        for a in found
                    ),
                )
            )
    rows += [("Size", human_size(d["size"])), ("Channel", d["channel"])]
    if d["parse_error"]:
        rows.append(("Parse error", d["parse_error"]))
    if d["defects"]:
        rows.append(("Defects", ", ".join(d["defects"])))
    # Everything printed from the message is escaped: a subject "[khẩn] …" would otherwise
    # be read as markup and vanish, and "[/…]" would stop the command.
    for key, value in rows:
        text = escape(str(value or ""))
        c.print(
            f"  [cyan]{key:<12}[/cyan] " + (f"[red]{text}[/red]" if key == "Parse error" else text)
        )
    tree = Tree("[bold]MIME tree[/bold]")
    nodes = {}
    for p in d["parts"]:
        label = escape(f"{p['path']} {p['declared_type'] or ''}")
        if p["detected_type"] and p["detected_type"] != p["declared_type"]:
            label += f" [dim](detected {escape(p['detected_type'])})[/dim]"
        if p["filename"]:
            label += f" [green]{escape(p['filename'])}[/green]"
        if p["size"]:
            label += f" {human_size(p['size'])}"
        if p["error"]:
            label += f" [red]{escape(p['error'])}[/red]"
        parent = nodes.get(p["parent"], tree)
        nodes[p["ordinal"]] = parent.add(label)
    c.print(tree)
    attachments = [p for p in d["parts"] if p["is_attachment"]]
    if attachments:
        table = Table(title="Attachments")
        for col in ("#", "file name", "declared", "detected", "size", "sha256"):
            table.add_column(col)
        for p in attachments:
            cells = [p["filename"], p["declared_type"], p["detected_type"]]
            table.add_row(
                str(p["ordinal"]),
                *(escape(cell or "") for cell in cells),
                human_size(p["size"]),
                (p["sha256"] or "")[:16],
            )
        c.print(table)
