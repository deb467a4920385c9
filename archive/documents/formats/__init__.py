"""One module per document format, each with ``extract(data: bytes) -> RawText``.

Which module reads which content is decided by the detected type (libmagic, refined by
``archive.filetype``), never by the file name. Modules are imported on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# detected type -> format module (archive/documents/formats/<name>.py)
FORMATS: dict[str, str] = {
    "application/pdf": "pdf",
    DOCX: "docx",
    "application/msword": "doc",
    "application/vnd.oasis.opendocument.text": "odf",
    "application/vnd.oasis.opendocument.spreadsheet": "odf",
    "application/vnd.oasis.opendocument.presentation": "odf",
    XLSX: "xlsx",
    "application/vnd.ms-excel": "xls",
    "text/rtf": "rtf",
    "application/rtf": "rtf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "plain",
    "text/csv": "plain",
    "image/png": "image",
    "image/jpeg": "image",
    "image/tiff": "image",
    "image/gif": "image",
    "image/bmp": "image",
    "image/webp": "image",
}


@dataclass
class RawText:
    """What a format module read, before normalisation."""

    text: str = ""
    pages: int | None = None
    scanned_pages: int = 0
    scanned: bool = False


def format_for(detected_type: str | None) -> str | None:
    """The format module for a detected type, or None when we do not read that type."""
    if not detected_type:
        return None
    return FORMATS.get(detected_type.split(";")[0].strip().lower())


def extract(name: str, data: bytes) -> RawText:
    module = importlib.import_module(f"{__name__}.{name}")
    return module.extract(data)
