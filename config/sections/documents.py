"""Reading attached documents: text, OCR, metadata, signatures (issue 3)."""

from config.sections.base import Section


class DocumentsSettings(Section):
    """Reading attached documents: text, OCR, metadata, signatures (issue 3)."""
