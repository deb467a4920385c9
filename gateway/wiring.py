"""The composition root: build the archive with every ingest hook the installation has.

Every entry point (CLI, SMTP gateway, IMAP sync, web) opens the archive here, so mail from
any source takes the same way through (ARCHITECTURE.md, "One message, one way through").
"""

from __future__ import annotations

from archive.ingest import Archive
from config import Settings


def open_archive(settings: Settings, migrate: bool = True) -> Archive:
    return Archive.open(settings, hooks=ingest_hooks(settings), migrate=migrate)


def ingest_hooks(settings: Settings) -> list:
    """Hooks run after each committed batch, in this order."""
    from reports.exchange_log import ExchangeHook

    return [ExchangeHook(settings)]
