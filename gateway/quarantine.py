"""Held messages: list, show, release (on to the relay queue), delete.

Shared by ``govmail quarantine`` and the web's quarantine page.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from config import Settings
from gateway.context import open_spool
from gateway.spool import SpoolEntry

QUEUE = "quarantine"


def summary(entry: SpoolEntry) -> dict:
    meta = entry.meta
    return {
        "id": meta.id,
        "received_at": datetime.fromtimestamp(meta.received_at, UTC).isoformat(timespec="seconds"),
        "from": meta.mail_from,
        "to": meta.rcpt_to,
        "subject": meta.subject,
        "rule": meta.rule,
        "reason": meta.reason_en,
        "reason_vi": meta.reason_vi,
        "dkim": meta.dkim_result,
        "size": len(entry.raw),
    }


def held(settings: Settings) -> list[SpoolEntry]:
    return list(open_spool(settings).entries(QUEUE))


def damaged(settings: Settings) -> list[tuple[Path, str]]:
    """Held files that cannot be read (kept for the admin, never deleted here)."""
    return open_spool(settings).damaged(QUEUE)


def get(settings: Settings, entry_id: str) -> SpoolEntry | None:
    """The held message, None when there is none; ValueError when its file is damaged."""
    spool = open_spool(settings)
    path = spool.find(QUEUE, entry_id)
    return spool.read(path) if path is not None else None


def release(settings: Settings, entry_id: str) -> bool:
    """Move a held message to the relay queue (a running gateway delivers it at once)."""
    spool = open_spool(settings)
    path = spool.find(QUEUE, entry_id)
    bak = spool.claim(path) if path else None
    if bak is None:
        return False
    try:
        entry = spool.read(bak)
    except (OSError, ValueError):
        os.rename(bak, path)  # a damaged file stays held, as it was
        raise
    entry.meta.action = "released"
    entry.meta.pending = list(entry.meta.rcpt_to)
    entry.meta.next_attempt = 0.0
    entry.meta.released_at = time.time()
    spool.replace(entry, "relay", bak)
    return True


def delete(settings: Settings, entry_id: str) -> bool:
    """Drop a held message (its archived copy stays in the archive)."""
    spool = open_spool(settings)
    path = spool.find(QUEUE, entry_id)
    if path is None:
        return False
    spool.done(path)
    return True
