"""Plain text in any charset: UTF-8 when it is valid, legacy Vietnamese 8-bit text as the
Latin-1 look-alikes the TCVN3/VNI converter expects, else charset-normalizer's best guess."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from archive.documents import legacy_encoding
from archive.documents.formats import RawText


def extract(data: bytes) -> RawText:
    return RawText(decode(data))


def decode(data: bytes, declared: str | None = None) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    latin = data.decode("cp1252", "ignore") if _cp1252_ok(data) else data.decode("latin-1")
    if legacy_encoding.detect(latin):
        return latin
    best = from_bytes(data[:1_000_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding, "replace")
        except LookupError:
            pass
    return latin


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True
