"""govmail dkim keygen"""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import AppContext, pass_app


@click.group("dkim")
def command() -> None:
    """DKIM signing keys for outbound mail.

    \b
    Examples:
      govmail dkim keygen ninhthuan.gov.vn mail2026
    """


@command.command("keygen")
@click.argument("domain")
@click.argument("selector")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the key (default: <data_dir>/dkim).",
)
@click.option("--bits", default=2048, show_default=True, type=click.IntRange(1024, 4096))
@pass_app
def keygen(app: AppContext, domain: str, selector: str, directory: Path | None, bits: int) -> None:
    """Write a new RSA key for DOMAIN and SELECTOR and print the DNS TXT record to publish.

    \b
    Examples:
      govmail dkim keygen ninhthuan.gov.vn mail2026
      govmail dkim keygen ninhthuan.gov.vn mail2026 --dir /etc/govmail/dkim
    """
    from gateway.dkim_check import keygen as make_key

    directory = directory or app.settings.storage.data_dir / "dkim"
    path, record = make_key(domain.lower(), selector, directory, bits)
    app.err.print(f"private key written to {path} (mode 600)")
    app.err.print("add to govmail.toml:")
    app.err.print(
        f'  [[smtp.dkim_sign]]\n  domain = "{domain.lower()}"\n  selector = "{selector}"\n'
        f'  key_file = "{path}"'
    )
    app.err.print("and publish this DNS record:")
    click.echo(record)
