"""HTTP hardening: security headers on every response, safe download names."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline scripts or styles anywhere; PDFs preview in a same-origin frame.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'"
)
# The same policy for a message whose reader asked to see its remote images.
CSP_REMOTE_IMAGES = CSP.replace("img-src 'self' data:", "img-src 'self' data: https: http:")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """ASGI middleware adding the headers above (and HSTS over HTTPS)."""

    def __init__(self, app: ASGIApp, hsts: bool = False):
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that Excel/LibreOffice will not run as a formula (OWASP CSV injection):
    text from mail (subjects, senders, queries) starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str | None, fallback: str) -> str:
    """A name that cannot traverse paths or break a header; keeps Vietnamese letters."""
    # Slashes become "_" rather than cutting the name: official document names carry
    # their number, "Quyết định 123/QĐ-UBND.pdf", and the number is what the clerk needs.
    name = unicodedata.normalize("NFC", name or "")
    name = _UNSAFE.sub("_", name).strip(" ._")
    return name[:150] or fallback


def content_disposition(name: str, inline: bool = False) -> str:
    """RFC 6266 header: an ASCII fallback plus the UTF-8 name (RFC 5987)."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode()
        or "download"
    )
    ascii_name = ascii_name.replace('"', "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
