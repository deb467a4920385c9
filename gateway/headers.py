"""Edit the header block of raw bytes without re-serialising the message.

New fields are prepended; fields are removed by name; the Subject gets a prefix in place.
Every value that reaches a header goes through ``header_safe`` first, so no CR, LF or NUL
from rule data or addresses can start a new header line or end the header block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.header import Header

_SEPARATOR = re.compile(rb"\r?\n\r?\n")


def header_safe(value: str) -> str:
    """One line: control characters (CR, LF, NUL, …) become spaces."""
    return "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in value).strip()


def fold(name: str, value: str, width: int = 76) -> bytes:
    """``Name: value`` folded at spaces (ASCII value), ending in CRLF."""
    line = f"{name}: "
    out = []
    for word in header_safe(value).split(" "):
        if len(line) + len(word) > width and line.strip() and not line.endswith(": "):
            out.append(line.rstrip())
            line = "\t"
        line += word + " "
    out.append(line.rstrip())
    return ("\r\n".join(out) + "\r\n").encode("ascii", "replace")


def encode_value(value: str) -> str:
    """ASCII as is; anything else as an RFC 2047 encoded word."""
    value = header_safe(value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def prepend(raw: bytes, fields: list[tuple[str, str]]) -> bytes:
    return b"".join(fold(name, encode_value(value)) for name, value in fields) + raw


def split_fields(raw: bytes) -> tuple[list[bytes], bytes]:
    """The header fields (each with its continuation lines) and the rest of the message."""
    match = _SEPARATOR.search(raw)
    if match is None:
        head, rest = raw, b""
    else:
        head, rest = raw[: match.start()], raw[match.start() :]
    fields: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    if fields and not fields[-1].endswith(b"\n"):
        fields[-1] += b"\r\n"
        rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:] if rest else rest
    return fields, rest


def field_name(field: bytes) -> str:
    return field.split(b":", 1)[0].strip().decode("ascii", "replace").lower()


def remove(raw: bytes, predicate: Callable[[str, bytes], bool]) -> bytes:
    """Drop fields for which ``predicate(lower-case name, raw field)`` is true."""
    fields, rest = split_fields(raw)
    kept = [f for f in fields if not predicate(field_name(f), f)]
    if len(kept) == len(fields):
        return raw
    return b"".join(kept) + rest


def prefix_subject(raw: bytes, prefix: str) -> bytes:
    """Put ``prefix`` before the Subject text (adding a Subject if there is none)."""
    prefix = header_safe(prefix)
    if not prefix:
        return raw
    encoded = encode_value(prefix + " ") if not prefix.isascii() else prefix + " "
    fields, rest = split_fields(raw)
    for index, field in enumerate(fields):
        if field_name(field) == "subject":
            _, _, value = field.partition(b":")
            if value.lstrip().startswith(encoded.strip().encode()):
                return raw  # already tagged (a retry, or mail that went round)
            fields[index] = b"Subject: " + encoded.encode("ascii") + value.lstrip(b" \t")
            return b"".join(fields) + rest
    return fold("Subject", encoded) + raw


def has_bare_line_ending(raw: bytes) -> bool:
    """A CR or LF that is not part of a CRLF (single-byte counts first: they are cheap)."""
    lf = raw.count(b"\n")
    return lf != raw.count(b"\r") or lf != raw.count(b"\r\n")


def normalise_line_endings(raw: bytes) -> bytes:
    """Every bare CR and bare LF becomes CRLF."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
