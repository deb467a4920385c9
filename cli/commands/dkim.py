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
@click.option(
    "--force", is_flag=True, help="Replace an existing key (its DNS record stops matching)."
)
@pass_app
def keygen(
    app: AppContext, domain: str, selector: str, directory: Path | None, bits: int, force: bool
) -> None:
    """Write a new RSA key for DOMAIN and SELECTOR and print the DNS TXT record to publish.

    To rotate, make a key under a new selector, publish its record, then switch
    [[smtp.dkim_sign]] to it; an existing key is never overwritten without --force.

    \b
    Examples:
      govmail dkim keygen ninhthuan.gov.vn mail2026
      govmail dkim keygen ninhthuan.gov.vn mail2026 --dir /etc/govmail/dkim
      govmail dkim keygen ninhthuan.gov.vn mail2027      rotation: a new selector
    """
    from gateway.dkim_check import key_problem
    from gateway.dkim_check import keygen as make_key

    problem = key_problem(domain, selector)
    if problem:
        raise click.UsageError(problem)
    domain = domain.lower()
    directory = directory or app.settings.storage.data_dir / "dkim"
    try:
        path, record = make_key(domain, selector, directory, bits, replace=force)
    except FileExistsError as exc:
        raise click.ClickException(
            f"{exc.filename}: a key for selector {selector} exists already (its DNS record may "
            "be published). Rotate with a new selector, or replace it with --force."
        ) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the key in {directory}: {exc.strerror or exc}"
        ) from None
    app.err.print(f"private key written to {path} (mode 600)", markup=False)
    app.err.print("add to govmail.toml:")
    app.err.print(
        f'  [[smtp.dkim_sign]]\n  domain = "{domain}"\n  selector = "{selector}"\n'
        f'  key_file = "{path}"',
        markup=False,
    )
    app.err.print("and publish this DNS record:")
    click.echo(record)
