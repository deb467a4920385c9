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
      govmail web --host 0.0.0.0 --port 8443
    """
    import uvicorn

    from web.app import create_app

    settings = app.settings
    web = settings.web
    application = create_app(settings, app.archive())
    scheme = "https" if web.tls_cert else "http"
    app.err.print(f"govmail web on {scheme}://{host or web.host}:{port or web.port}/")
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
