"""Per-request facts: who is signed in, in which language, from which address."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.requests import Request

from archive.models import User, WebSession
from config import Settings
from web.i18n import LANGUAGES


@dataclass
class Viewer:
    user: User
    session: WebSession

    @property
    def role(self) -> str:
        return self.user.role

    def can(self, what: str) -> bool:
        """Role permissions: admin everything; auditor reads all and the audit log."""
        allowed = {
            "search": {"user", "clerk", "auditor", "admin"},
            "reports": {"clerk", "auditor", "admin"},
            "audit": {"auditor", "admin"},
            "quarantine": {"admin"},
            "users": {"admin"},
        }
        return self.role in allowed.get(what, set())


def language(request: Request, settings: Settings) -> str:
    lang = request.cookies.get("lang", settings.web.language)
    return lang if lang in LANGUAGES else settings.web.language


def client_address(request: Request, settings: Settings) -> str | None:
    """The client's address; X-Forwarded-For only from a configured trusted proxy."""
    peer = request.client.host if request.client else None
    if not settings.web.behind_proxy or peer not in settings.web.trusted_proxies:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        if hop not in settings.web.trusted_proxies:
            return hop
    return peer
