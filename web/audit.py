"""The audit log: every sign-in, search, message view and download, append-only."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.models import AuditEntry
from web.security import spreadsheet_safe

ACTIONS = (
    "sign-in",
    "sign-out",
    "search",
    "view",
    "download",
    "preview",
    "export",
    "release",
    "delete",
    "user-add",
    "user-disable",
    "user-password",
    "report",
)


def record(
    sessions: sessionmaker[Session],
    action: str,
    *,
    username: str | None,
    target: str | None = None,
    client: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Append one entry (its own transaction: an entry survives a failing request)."""
    with sessions() as session, session.begin():
        session.add(
            AuditEntry(
                action=action,
                username=username,
                target=target,
                client=client,
                outcome=outcome,
                detail=detail,
            )
        )


def entries(
    session: Session,
    *,
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    outcome: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return session.scalars(query.limit(limit).offset(offset)).all()


def as_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "user": entry.username,
        "action": entry.action,
        "target": entry.target,
        "client": entry.client,
        "outcome": entry.outcome,
        "detail": entry.detail,
    }


def to_csv(rows: Sequence[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "user", "action", "target", "client", "outcome", "detail"])
    for row in rows:
        d = as_dict(row)
        writer.writerow(
            [
                spreadsheet_safe(d[k] or "")
                for k in ("id", "at", "user", "action", "target", "client", "outcome", "detail")
            ]
        )
    return out.getvalue()
