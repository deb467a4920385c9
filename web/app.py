"""The Starlette application: routes, static files, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.ingest import Archive
from config import Settings
from web.pages import not_found, render, sign_in_redirect, viewer_of
from web.routes import audit_log, auth, messages, quarantine_pages, report_pages, search_pages
from web.security import HEADERS, SecurityHeaders

STATIC = Path(__file__).parent / "static"


async def home(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request)
    return RedirectResponse("/search", status_code=303)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    viewer = viewer_of(request)
    if exc.status_code == 404:
        return not_found(request, viewer)
    return render(
        request,
        "error.html",
        viewer,
        status=exc.status_code,
        title_key="error_title",
        message_key="bad_request",
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: a Vietnamese page, never a traceback (the log keeps it).

    Starlette calls this outside the middleware, so the security headers go on here."""
    response = render(
        request,
        "error.html",
        None,
        status=500,
        title_key="error_title",
        message_key="server_error",
    )
    for name, value in HEADERS:
        response.headers[name.decode()] = value.decode()
    return response


def create_app(settings: Settings, archive: Archive) -> Starlette:
    """The web application over an open archive (the caller owns and closes it)."""
    routes = [
        Route("/", home),
        *auth.routes,
        *audit_log.routes,
        *search_pages.routes,
        *messages.routes,
        *report_pages.routes,
        *quarantine_pages.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes, exception_handlers={HTTPException: _http_error, 500: _server_error}
    )
    app.state.settings = settings
    app.state.archive = archive
    app.add_middleware(SecurityHeaders, hsts=settings.web.tls_cert is not None)
    return app
