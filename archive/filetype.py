"""Real types by content (libmagic), never by file name alone.

libmagic calls some containers by their outer format (an Office file is a ZIP or an OLE
compound file); ``refine`` looks one step inside so a DOCX is a DOCX and a ZIP a ZIP.
"""

from __future__ import annotations

import io
import threading
import zipfile

import magic

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_SNIFF = 512  # libmagic's text analysis reads every byte given (~1 ms per KB of UTF-8)
_local = threading.local()

_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
TNEF_TYPES = {"application/vnd.ms-tnef", "application/ms-tnef"}
OUTLOOK_MSG_TYPE = "application/vnd.ms-outlook"
MESSAGE_TYPES = {"message/rfc822", "message/global"}
# libmagic signatures so weak that Vietnamese text matches them: MPEG-4 LOAS audio is "V"
# then any byte from 0xE0, which is how "Về việc", "Với" and "Vụ" begin in UTF-8.
_TEXT_LOOKALIKES = {"audio/x-mp4a-latm"}
# What reading a damaged or unusual ZIP raises (NotImplementedError: an unknown compression).
ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError)


def _magic() -> magic.Magic:
    m = getattr(_local, "magic", None)
    if m is None:
        m = _local.magic = magic.Magic(mime=True)
    return m


def _text_magic() -> magic.Magic:
    """libmagic without its signature database: only its text, CSV and JSON tests."""
    m = getattr(_local, "text_magic", None)
    if m is None:
        m = _local.text_magic = magic.Magic(mime=True)
        magic.magic_setflags(m.cookie, m.flags | magic.MAGIC_NO_CHECK_SOFT)
    return m


def detect(data: bytes) -> str:
    """The MIME type of ``data`` by content."""
    if not data:
        return "application/x-empty"
    if data.startswith(TNEF_MAGIC):
        return "application/vnd.ms-tnef"
    head = data[:_SNIFF]
    try:
        detected = _magic().from_buffer(head)
        if detected in _TEXT_LOOKALIKES:
            as_text = _text_magic().from_buffer(head)
            detected = as_text if as_text.startswith("text/") else detected
    except magic.MagicException:
        return "application/octet-stream"
    return refine(detected, data)


def refine(detected: str, data: bytes) -> str:
    """Look inside ZIP and OLE containers that libmagic names only by their outer format."""
    if detected in ZIP_TYPES or (detected == "application/octet-stream" and data[:2] == b"PK"):
        return _zip_kind(data) or detected
    if detected in ("application/x-ole-storage", "application/CDFV2") or (
        detected == "application/octet-stream" and data.startswith(OLE_MAGIC)
    ):
        return _ole_kind(data) or detected
    return detected


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                kind = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if kind.startswith("application/vnd.oasis.opendocument"):
                    return kind
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return kind
    except ZIP_READ_ERRORS:
        return None
    return "application/zip"


def _ole_kind(data: bytes) -> str | None:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("__properties_version1.0") or ole.exists("__nameid_version1.0"):
                return OUTLOOK_MSG_TYPE
            if ole.exists("WordDocument"):
                return "application/msword"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "application/vnd.ms-excel"
            if ole.exists("PowerPoint Document"):
                return "application/vnd.ms-powerpoint"
    except (OSError, ValueError, IndexError, TypeError):
        return None
    return None


def is_zip(kind: str) -> bool:
    return kind in ZIP_TYPES


def is_tnef(kind: str) -> bool:
    return kind in TNEF_TYPES


def is_outlook_msg(kind: str) -> bool:
    return kind == OUTLOOK_MSG_TYPE


def is_message(kind: str) -> bool:
    return kind in MESSAGE_TYPES
