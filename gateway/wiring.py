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
    """Hooks run after each committed batch, in this order: documents are read first so the
    index and the exchange log see their text, metadata, scan flag and signatures."""
    from archive.documents.hook import ExtractionHook
    from reports.exchange_log import ExchangeHook
    from search.service import IndexHook

    return [ExtractionHook(settings), IndexHook(settings), ExchangeHook(settings)]
