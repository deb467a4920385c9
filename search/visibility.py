"""One rule for who may see a message, used inside search queries (as scope tokens) and
for opening one message by id (web pages, downloads)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Address, MessageSource
from search.scope import Scope


def involved(addresses: Iterable[Address], sources: Iterable[MessageSource]) -> set[str]:
    """Every mailbox a message involves: header addresses and SMTP envelopes."""
    found = {a.address for a in addresses if a.address}
    for source in sources:
        if source.mail_from:
            found.add(source.mail_from.lower())
        if source.rcpt_to:
            with contextlib.suppress(ValueError):
                found.update(r.lower() for r in json.loads(source.rcpt_to))
    return found


def can_see(session: Session, scope: Scope, message_id: int) -> bool:
    if scope.everything:
        return True
    addresses = session.scalars(select(Address).where(Address.message_id == message_id))
    sources = session.scalars(select(MessageSource).where(MessageSource.message_id == message_id))
    return scope.sees(involved(list(addresses), list(sources)))
