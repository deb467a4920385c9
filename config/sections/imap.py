"""IMAP ingestion (issue 6)."""

from config.sections.base import Section


class ImapSettings(Section):
    """IMAP ingestion (issue 6)."""
