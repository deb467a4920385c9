"""Rendering helpers shared by the routes: templates, sign-in checks, error pages."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from web import audit
from web.context import Viewer, client_address, language
from web.i18n import format_date, format_datetime, format_number, translate
from web.sessions import COOKIE, find_session

TEMPLATES = Path(__file__).parent / "templates"
LOGIN_CSRF = "govmail_login_csrf"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def app_state(request: Request):
    return request.app.state


def viewer_of(request: Request) -> Viewer | None:
    state = app_state(request)
    token = request.cookies.get(COOKIE)
    with state.archive.sessions() as session:
        found = find_session(session, token)
        if found is None:
            return None
        user, web_session = found
        session.expunge_all()
    return Viewer(user, web_session)


def render(
    request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: object
) -> HTMLResponse:
    state = app_state(request)
    lang = language(request, state.settings)
    html = env.get_template(template).render(
        request=request,
        viewer=viewer,
        lang=lang,
        t=lambda key, **v: translate(key, lang, **v),
        num=lambda value, digits=0: format_number(value, lang, digits),
        when=lambda value: format_datetime(value, lang),
        day=lambda value: format_date(value, lang),
        csrf=viewer.session.csrf_token if viewer else "",
        path=request.url.path,
        page_query=_page_query,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _page_query(params, page: int) -> str:
    items = [(k, v) for k, v in params.multi_items() if k != "page"]
    return urlencode([*items, ("page", str(page))])


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def forbidden(request: Request, viewer: Viewer, action: str, target: str) -> HTMLResponse:
    """403, and the attempt goes into the audit log."""
    state = app_state(request)
    audit.record(
        state.archive.write_sessions,
        action,
        username=viewer.user.username,
        target=target,
        client=client_address(request, state.settings),
        outcome="denied",
    )
    return render(
        request,
        "error.html",
        viewer,
        status=403,
        title_key="forbidden_title",
        message_key="forbidden",
    )


def not_found(request: Request, viewer: Viewer | None) -> HTMLResponse:
    return render(
        request,
        "error.html",
        viewer,
        status=404,
        title_key="not_found_title",
        message_key="not_found",
    )


def bad_request(
    request: Request, viewer: Viewer | None, message_key: str = "bad_request"
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        viewer,
        status=400,
        title_key="error_title",
        message_key=message_key,
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def record(
    request: Request,
    viewer: Viewer | None,
    action: str,
    target: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
    username: str | None = None,
) -> None:
    state = app_state(request)
    audit.record(
        state.archive.write_sessions,
        action,
        username=username or (viewer.user.username if viewer else None),
        target=target,
        client=client_address(request, state.settings),
        outcome=outcome,
        detail=detail,
    )


def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    """HttpOnly + Secure + SameSite=Strict, always (browsers allow Secure on localhost)."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, secure=True, samesite="strict", path="/"
    )
