"""Accounts: local users with argon2 hashes, optional LDAP bind, lockout after failures.

Used by the web sign-in and by ``govmail users``; decisions here, storage in archive.models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from archive.addresses import normalise_address
from archive.models import LoginFailure, User, WebSession
from archive.models.accounts import ROLES
from config.sections.web import WebSettings
from web.passwords import hash_password, needs_rehash, verify_password

_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,120}$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    """Bad input for an account operation (the message says what to fix)."""


@dataclass(frozen=True)
class SignInRefused:
    """Sign-in refused; ``locked_until`` is set when it is a lockout."""

    locked_until: datetime | None = None


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    password: str | None = None
    display_name: str | None = None
    mailbox: str | None = None
    agency: str | None = None


def check_new_user(new: NewUser) -> None:
    if not _USERNAME.match(new.username):
        raise AccountError("user name: 1-120 letters, digits or . _ @ + -")
    if new.role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if new.role == "user" and not new.mailbox:
        raise AccountError("a 'user' needs --mailbox (the address whose mail they read)")
    if new.role == "clerk" and not new.agency:
        raise AccountError("a 'clerk' needs --agency (agency code or mail domain)")
    if new.password is not None:
        check_password(new.password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")


def add_user(session: Session, new: NewUser) -> User:
    check_new_user(new)
    if session.scalar(select(User.id).where(User.username == new.username)):
        raise AccountError(f"user {new.username!r} exists already")
    user = User(
        username=new.username,
        role=new.role,
        display_name=new.display_name,
        mailbox=normalise_address(new.mailbox) if new.mailbox else None,
        agency=new.agency.strip().lower() if new.agency else None,
        password_hash=hash_password(new.password) if new.password else None,
        source="local",
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r} (see: govmail users list)")
    return user


def set_password(session: Session, username: str, password: str) -> None:
    check_password(password)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    # A new password is how an admin answers a leaked one: end the sessions opened with it.
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def set_disabled(session: Session, username: str, disabled: bool = True) -> None:
    user = get_user(session, username)
    user.disabled = disabled
    if disabled:  # ended for good: enabling the account again must not revive them
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


# -- sign-in ------------------------------------------------------------------------
def locked_until(
    session: Session, username: str, client: str | None, settings: WebSettings, now: datetime
) -> datetime | None:
    """When too many recent failures exist for this name (or this address), until when."""
    window = now - timedelta(minutes=settings.failure_window_minutes)
    lock = timedelta(minutes=settings.lockout_minutes)
    checks = [(LoginFailure.username == username, settings.max_failures)]
    if client:  # one address guessing many names: a wider allowance, still bounded
        checks.append((LoginFailure.client == client, settings.max_failures * 4))
    for condition, limit in checks:
        count, last = session.execute(
            select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
                condition, LoginFailure.at >= window
            )
        ).one()
        if count >= limit and last is not None:
            last = last.replace(tzinfo=UTC) if last.tzinfo is None else last
            if last + lock > now:
                return last + lock
    return None


def authenticate(
    session: Session,
    username: str,
    password: str,
    client: str | None,
    settings: WebSettings,
    now: datetime | None = None,
) -> User | SignInRefused:
    """The signed-in user, or why not: returned, not raised, so that the caller commits
    the failure it records. A success clears the user name's failures."""
    now = now or datetime.now(UTC)
    until = locked_until(session, username, client, settings, now)
    if until:
        return SignInRefused(until)
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    if (user is not None and user.source == "ldap") or (user is None and settings.ldap.url):
        user = _ldap_sign_in(session, user, username, password, settings)
        ok = user is not None
    else:
        ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        session.add(LoginFailure(username=username[:120], client=client, at=now))
        return SignInRefused()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    return user


def _ldap_sign_in(
    session: Session, user: User | None, username: str, password: str, settings: WebSettings
) -> User | None:
    from web.ldap_bind import ldap_bind

    if not _USERNAME.match(username) or not password:
        return None
    mailbox = ldap_bind(settings.ldap, username, password)
    if mailbox is None:
        return None
    if user is None:
        user = User(
            username=username,
            role=settings.ldap.default_role,
            source="ldap",
            mailbox=normalise_address(mailbox) if mailbox else None,
        )
        session.add(user)
        session.flush()
    return user
