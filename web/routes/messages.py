"""One message: headers, verdict, body (sanitised), attachments with their documents'
metadata and signatures; downloads of the original .eml and of each attachment."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archive.body_text import decode_text
from archive.models import Document, Message, Part
from archive.queries import MessageNotFound, find_message
from search.visibility import can_see
from web.pages import app_state, forbidden, not_found, record, render, sign_in_redirect, viewer_of
from web.sanitize import sanitize_mail_html
from web.security import CSP_REMOTE_IMAGES, content_disposition, safe_filename
from web.viewing import scope_of

PREVIEWABLE = {"application/pdf"}
INLINE_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _load(request: Request, action: str):
    """(viewer, message) or an error response: sign-in, 404, or 403 (recorded)."""
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request), None
    raw_id = request.path_params["message_id"]
    state = app_state(request)
    with state.archive.sessions() as session:
        try:
            message = find_message(session, int(raw_id))
        except (MessageNotFound, ValueError):
            return not_found(request, viewer), None
        if not can_see(session, scope_of(request, viewer), message.id):
            return forbidden(request, viewer, action, f"message:{message.id}"), None
        session.expunge_all()
    return viewer, message


async def message_page(request: Request) -> Response:
    viewer, message = _load(request, "view")
    if message is None:
        return viewer
    state = app_state(request)
    with state.archive.sessions() as session:
        shas = [p.sha256 for p in message.parts if p.sha256]
        documents = (
            {
                d.sha256: d
                for d in session.scalars(select(Document).where(Document.sha256.in_(shas)))
            }
            if shas
            else {}
        )
    body_html, body_text, blocked = _body(state, message, request.query_params.get("images"))
    attachments = [
        {
            "part": p,
            "doc": documents.get(p.sha256),
            "signatures": _signatures(documents.get(p.sha256)),
        }
        for p in message.parts
        if p.is_attachment and p.sha256
    ]
    record(request, viewer, "view", target=f"message:{message.id}")
    show_images = request.query_params.get("images") == "1"
    response = render(
        request,
        "message.html",
        viewer,
        message=message,
        body_html=body_html,
        body_text=body_text,
        blocked=blocked,
        attachments=attachments,
        previewable=PREVIEWABLE,
        show_images=show_images,
    )
    if show_images:  # the page's CSP would block them still: "Hiện ảnh" did nothing
        response.headers["content-security-policy"] = CSP_REMOTE_IMAGES
    return response


def _signatures(doc: Document | None) -> list[dict]:
    if doc is None or not doc.signatures:
        return []
    try:
        value = json.loads(doc.signatures)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _body(state, message: Message, images: str | None) -> tuple[str | None, str | None, int]:
    """(sanitised HTML, or plain text, and how many remote images were blocked)."""
    bodies = [p for p in message.parts if not p.is_attachment and p.sha256 and p.depth == 0]
    html = next((p for p in bodies if p.declared_type == "text/html"), None)
    if html is not None:
        text = decode_text(state.archive.blobs.get(html.sha256), html.charset)
        result = sanitize_mail_html(text, f"/messages/{message.id}/cid/", images == "1")
        return result.html, None, result.blocked_images
    if message.body_text_sha256:
        return None, state.archive.blobs.get(message.body_text_sha256).decode("utf-8", "replace"), 0
    return None, None, 0


async def download_eml(request: Request) -> Response:
    viewer, message = _load(request, "download")
    if message is None:
        return viewer
    raw = app_state(request).archive.blobs.get(message.sha256)
    record(request, viewer, "download", target=f"message:{message.id}.eml")
    name = f"{message.id}.eml" if not raw.startswith(b"\xd0\xcf\x11\xe0") else f"{message.id}.msg"
    return Response(
        raw, media_type="message/rfc822", headers={"content-disposition": content_disposition(name)}
    )


def _part(message: Message, ordinal: str) -> Part | None:
    try:
        number = int(ordinal)
    except ValueError:
        return None
    return next((p for p in message.parts if p.ordinal == number and p.sha256), None)


async def download_part(request: Request) -> Response:
    return await _serve_part(request, inline=False)


async def preview_part(request: Request) -> Response:
    return await _serve_part(request, inline=True)


async def _serve_part(request: Request, inline: bool) -> Response:
    viewer, message = _load(request, "preview" if inline else "download")
    if message is None:
        return viewer
    part = _part(message, request.path_params["ordinal"])
    if part is None or (inline and part.detected_type not in PREVIEWABLE):
        return not_found(request, viewer)
    data = app_state(request).archive.blobs.get(part.sha256)
    name = safe_filename(part.filename, f"part-{part.ordinal}")
    record(
        request,
        viewer,
        "preview" if inline else "download",
        target=f"message:{message.id}/part:{part.ordinal}",
        detail=name,
    )
    media = part.detected_type if inline else "application/octet-stream"
    return Response(
        data,
        media_type=media,
        headers={"content-disposition": content_disposition(name, inline=inline)},
    )


async def inline_image(request: Request) -> Response:
    """An image the HTML body refers to as ``cid:``, from the message itself."""
    viewer, message = _load(request, "view")
    if message is None:
        return viewer
    wanted = request.path_params["cid"].strip("<>")
    raw = app_state(request).archive.blobs.get(message.sha256)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    for part in parsed.walk():
        if (part.get("content-id") or "").strip().strip("<>") == wanted:
            data = part.get_payload(decode=True) or b""
            if part.get_content_type() in INLINE_IMAGES:
                return Response(data, media_type=part.get_content_type())
    return not_found(request, viewer)


routes = [
    Route("/messages/{message_id}", message_page, methods=["GET"]),
    Route("/messages/{message_id}/eml", download_eml, methods=["GET"]),
    Route("/messages/{message_id}/parts/{ordinal}", download_part, methods=["GET"]),
    Route("/messages/{message_id}/parts/{ordinal}/preview", preview_part, methods=["GET"]),
    Route("/messages/{message_id}/cid/{cid:path}", inline_image, methods=["GET"]),
]
