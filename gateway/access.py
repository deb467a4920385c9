"""Who may see which mail: the scope of a web user or of ``--as``, from roles, mailboxes
and the agency directory (reports) — composed here because it needs both search and
reports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import AgencyAddress, AgencyDomain
from reports.directory import AgencyNotFound, find_agency
from search.scope import Scope

EVERYTHING = ("auditor", "admin")


def agency_scope(session: Session, agency: str) -> Scope:
    """An agency by code (any spelling; its domains and mailboxes) or by mail domain."""
    text = agency.strip()
    try:
        found = find_agency(session, text)
    except AgencyNotFound:
        if "." in text and not text[:3].isdigit():
            return Scope.agency([text.lstrip("@")])
        raise
    domains = session.scalars(select(AgencyDomain.domain).where(AgencyDomain.agency_id == found.id))
    addresses = session.scalars(
        select(AgencyAddress.address).where(AgencyAddress.agency_id == found.id)
    )
    return Scope.agency(list(domains), list(addresses))


def user_scope(session: Session, role: str, mailbox: str | None, agency: str | None) -> Scope:
    """user: their mailbox; clerk: their agency; auditor and admin: everything."""
    if role in EVERYTHING:
        return Scope.all()
    if role == "clerk" and agency:
        try:
            return agency_scope(session, agency)
        except AgencyNotFound:
            return Scope()  # an unknown agency sees nothing rather than everything
    if mailbox:
        return Scope.mailbox(mailbox)
    return Scope()
