"""govmail serve"""

from __future__ import annotations

import asyncio

import click

from cli.context import EXIT_USAGE, AppContext, pass_app


@click.command("serve")
@click.option(
    "--listen",
    "listen",
    multiple=True,
    metavar="HOST:PORT",
    help="Listen here instead of smtp.listen (repeat for more listeners).",
)
@pass_app
def command(app: AppContext, listen: tuple[str, ...]) -> None:
    """Run the SMTP gateway in the foreground (Ctrl-C or SIGTERM stops it gracefully).

    Mail is checked against the policy at RCPT and at the end of DATA, spooled durably,
    relayed to smtp.next_hop (or, with none set, delivered into a Maildir under the data
    directory), and archived. SIGHUP reloads the policy.

    \b
    Examples:
      govmail serve                                  127.0.0.1:2525, Maildir delivery
      govmail serve --listen 0.0.0.0:25 --listen 10.0.0.5:587
      GOVMAIL_SMTP__MODE=content_filter govmail serve --listen 127.0.0.1:10025
      swaks --server 127.0.0.1:2525 --from a@gmail.com --to vanthu@ninhthuan.gov.vn
    """
    from config import ConfigError
    from config.logsetup import configure_logging
    from gateway.service import Gateway, serve_forever

    settings = app.settings
    # one line per transaction is the point of running in the foreground: INFO unless -v/-vv
    configure_logging(settings, "INFO" if app.log_level == "WARNING" else app.log_level)
    if listen:
        try:
            settings.smtp.listen = (
                type(settings.smtp)
                .model_validate({**settings.smtp.model_dump(), "listen": list(listen)})
                .listen
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--listen") from None
    try:
        gateway = Gateway(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(EXIT_USAGE) from None
    smtp = settings.smtp
    where = smtp.policy_service_listen if smtp.mode == "policy_service" else ", ".join(smtp.listen)
    app.err.print(f"govmail {smtp.mode}: listening on {where} (Ctrl-C stops)")
    try:
        asyncio.run(serve_forever(gateway, app.config_path))
    except OSError as exc:  # a port in use, an address not on this host, a name unknown
        raise click.ClickException(
            f"cannot start the gateway on {where}: {exc.strerror or exc}"
            "\nCheck [smtp] listen / policy_service_listen (or --listen): is another mail"
            " server on that port, is the address on this host, may this user bind it?"
        ) from None
