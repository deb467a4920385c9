"""RTF text with striprtf, decoding \\'xx bytes with the code page the file declares."""

from __future__ import annotations

import codecs
import re

from striprtf.striprtf import rtf_to_text

from archive.documents.formats import RawText

_CODEPAGE = re.compile(rb"\\ansicpg(\d{3,5})")


def extract(data: bytes) -> RawText:
    match = _CODEPAGE.search(data[:4096])
    encoding = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    source = data.decode("latin-1")  # RTF itself is 7-bit; \'xx escapes carry the bytes
    return RawText(rtf_to_text(source, encoding=encoding, errors="replace"))
