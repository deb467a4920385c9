"""Server-side sessions: the cookie holds a random token; the database holds its hash.

Signing out, disabling a user or expiry ends a session at once (nothing lives only in a
cookie). Each session has its own CSRF token for every form.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive.models import User, WebSession

COOKIE = "govmail_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, hours: float, client: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            token_hash=_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            client=client,
        )
    )
    return token


def find_session(session: Session, token: str | None) -> tuple[User, WebSession] | None:
    if not token or len(token) > 100:
        return None
    row = session.execute(
        select(User, WebSession)
        .join(WebSession, WebSession.user_id == User.id)
        .where(WebSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    user, web_session = row
    if user.disabled or web_session.expires_at <= datetime.now(UTC):
        return None
    return user, web_session


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def csrf_ok(web_session: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(web_session.csrf_token, submitted)
