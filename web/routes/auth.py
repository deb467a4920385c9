"""Sign in, sign out, language."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.accounts import SignInRefused, authenticate
from web.context import client_address
from web.pages import (
    LOGIN_CSRF,
    app_state,
    bad_request,
    new_login_csrf,
    record,
    render,
    set_cookie,
    viewer_of,
)
from web.sessions import COOKIE, close_session, csrf_ok, open_session


def _next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def login_form(request: Request) -> Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        None,
        login_csrf=token,
        next=_next(request.query_params.get("next")),
        error=None,
    )
    set_cookie(response, LOGIN_CSRF, token, max_age=3600)
    return response


async def login(request: Request) -> Response:
    state = app_state(request)
    form = await request.form()
    cookie_token = request.cookies.get(LOGIN_CSRF, "")
    if not cookie_token or not secrets.compare_digest(cookie_token, str(form.get("csrf", ""))):
        return bad_request(request, None)
    username = str(form.get("username", "")).strip()[:120]
    password = str(form.get("password", ""))
    client = client_address(request, state.settings)
    target = _next(str(form.get("next", "/")))
    with state.archive.write_sessions() as session, session.begin():
        outcome = authenticate(session, username, password, client, state.settings.web)
        if not isinstance(outcome, SignInRefused):
            token = open_session(session, outcome, state.settings.web.session_hours, client)
    if isinstance(outcome, SignInRefused):
        refused = outcome
        record(
            request,
            None,
            "sign-in",
            outcome="failed",
            username=username or None,
            detail="locked" if refused.locked_until else "bad credentials",
        )
        error = ("locked", refused.locked_until) if refused.locked_until else ("bad_login", None)
        fresh = new_login_csrf()
        response = render(
            request,
            "login.html",
            None,
            status=401 if not refused.locked_until else 429,
            login_csrf=fresh,
            next=target,
            error=error,
            username=username,
        )
        set_cookie(response, LOGIN_CSRF, fresh, max_age=3600)
        return response
    record(request, None, "sign-in", username=username)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, COOKIE, token, max_age=int(state.settings.web.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF, path="/")
    return response


async def logout(request: Request) -> Response:
    state = app_state(request)
    viewer = viewer_of(request)
    form = await request.form()
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(viewer.session, str(form.get("csrf", ""))):
        return bad_request(request, viewer)
    with state.archive.write_sessions() as session, session.begin():
        close_session(session, request.cookies.get(COOKIE))
    record(request, viewer, "sign-out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def set_language(request: Request) -> Response:
    lang = request.query_params.get("to", "vi")
    response = RedirectResponse(_next(request.query_params.get("next")), status_code=303)
    if lang in ("vi", "en"):
        set_cookie(response, "lang", lang, max_age=365 * 24 * 3600)
    return response


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/lang", set_language, methods=["GET"]),
]
