"""govmail web"""

from __future__ import annotations

import click

from cli.context import AppContext, pass_app


@click.command("web")
@click.option("--host", help="Listen address (default: [web] host).")
@click.option("--port", type=int, help="Listen port (default: [web] port).")
@pass_app
def command(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve the web interface: search, messages, reports, quarantine, audit log.

    HTTPS when [web] tls_cert/tls_key are set; behind a reverse proxy set
    [web] behind_proxy = true. Create accounts first with `govmail users add`.

    \b
    Examples:
      govmail users add vanthu --role clerk --agency ninhthuan.gov.vn
      govmail web
      govmail web --host 0.0.0.0 --port 8443    # with [web] tls_cert and tls_key set
    """
    import uvicorn

    from web.app import create_app

    settings = app.settings
    web = settings.web
    application = create_app(settings, app.archive())
    scheme = "https" if web.tls_cert else "http"
    app.err.print(f"govmail web on {scheme}://{host or web.host}:{port or web.port}/")
    warning = plain_http_warning(host or web.host, web)
    if warning:
        app.err.print(f"[yellow]warning[/yellow]: {warning}")
    uvicorn.run(
        application,
        host=host or web.host,
        port=port if port is not None else web.port,
        ssl_certfile=str(web.tls_cert) if web.tls_cert else None,
        ssl_keyfile=str(web.tls_key) if web.tls_key else None,
        proxy_headers=False,  # the app reads X-Forwarded-For itself, from trusted proxies
        server_header=False,
        log_level="warning",
    )


def plain_http_warning(host: str, web) -> str | None:
    """Sign-in cannot work over plain HTTP beyond this machine: the session cookie is
    ``Secure``, which browsers only keep over HTTPS or on localhost."""
    if web.tls_cert or web.behind_proxy or host in ("127.0.0.1", "localhost", "::1"):
        return None
    return (
        f"plain HTTP on {host}: browsers drop the session cookie, so nobody can sign in. "
        "Set [web] tls_cert and tls_key, or put it behind an HTTPS proxy "
        "([web] behind_proxy = true)."
    )
