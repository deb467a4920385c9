"""Quarantine (admins): held messages with their rule and reason; view, release, delete."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway import quarantine
from web.pages import (
    app_state,
    bad_request,
    forbidden,
    not_found,
    record,
    render,
    sign_in_redirect,
    viewer_of,
)
from web.sanitize import sanitize_mail_html
from web.sessions import csrf_ok


def _admin(request: Request, action: str):
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request), None
    if not viewer.can("quarantine"):
        return forbidden(request, viewer, action, "quarantine"), None
    return viewer, viewer


async def list_page(request: Request) -> Response:
    response, viewer = _admin(request, "view")
    if viewer is None:
        return response
    rows = [quarantine.summary(e) for e in quarantine.held(app_state(request).settings)]
    return render(request, "quarantine.html", viewer, rows=rows)


async def show_page(request: Request) -> Response:
    response, viewer = _admin(request, "view")
    if viewer is None:
        return response
    entry_id = request.path_params["entry_id"]
    try:
        entry = quarantine.get(app_state(request).settings, entry_id)
    except (OSError, ValueError):
        return damaged(request, viewer)
    if entry is None:
        return not_found(request, viewer)
    record(request, viewer, "view", target=f"quarantine:{entry_id}")
    message = BytesParser(policy=policy.default).parsebytes(entry.raw)
    body = message.get_body(("html", "plain"))
    html = text = None
    if body is not None:
        content = body.get_content() if body.get_content_maintype() == "text" else ""
        if body.get_content_subtype() == "html":
            html = sanitize_mail_html(content, "/nowhere/", allow_remote_images=False).html
        else:
            text = content
    return render(
        request,
        "quarantine_show.html",
        viewer,
        row=quarantine.summary(entry),
        headers=list(message.items()),
        body_html=html,
        body_text=text,
    )


async def act(request: Request) -> Response:
    action = request.path_params["action"]
    response, viewer = _admin(request, action)
    if viewer is None:
        return response
    form = await request.form()
    if action not in ("release", "delete") or not csrf_ok(
        viewer.session, str(form.get("csrf", ""))
    ):
        return bad_request(request, viewer)
    entry_id = request.path_params["entry_id"]
    settings = app_state(request).settings
    try:
        done = (quarantine.release if action == "release" else quarantine.delete)(
            settings, entry_id
        )
    except (OSError, ValueError):
        return damaged(request, viewer)
    if not done:
        return not_found(request, viewer)
    record(request, viewer, action, target=f"quarantine:{entry_id}")
    return RedirectResponse("/quarantine", status_code=303)


def damaged(request: Request, viewer) -> Response:
    """A held file that cannot be read: say so (it stays held), not a server error."""
    return render(
        request,
        "error.html",
        viewer,
        status=409,
        title_key="error_title",
        message_key="damaged_entry",
    )


routes = [
    Route("/quarantine", list_page, methods=["GET"]),
    Route("/quarantine/{entry_id}", show_page, methods=["GET"]),
    Route("/quarantine/{entry_id}/{action}", act, methods=["POST"]),
]
