"""Modified UTF-7 (RFC 3501 section 5.1.3), the encoding of IMAP folder names.

``Th&AbA- &AREA4w- g&Ah0-i`` is ``Thư đã gửi``. Commands need the encoded form; people read
the decoded one. Both directions are pure functions so they can be tested exhaustively.
"""

from __future__ import annotations

import base64


def encode(name: str) -> str:
    """Folder name as shown to people → the form IMAP commands carry."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def decode(name: str) -> str:
    """Folder name as the server sends it → readable text. Malformed runs stay as they are."""
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        end = name.find("-", i + 1) if ch == "&" else -1
        if ch != "&" or end < 0:
            out.append(ch)
            i += 1
            continue
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            out.append(_decode_run(chunk) or name[i : end + 1])
        i = end + 1
    return "".join(out)


def _decode_run(chunk: str) -> str | None:
    padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
    try:
        return base64.b64decode(padded, validate=True).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError):
        return None
