"""A FETCH command for aioimaplib that spools big literals to disk and parses as it goes.

aioimaplib keeps every literal in memory and decides whether a FETCH response is complete by
counting parentheses over all lines so far, the message bodies included (a body with an
unbalanced "(" stalls the parse, and the scan is quadratic in the batch). This command
counts parentheses only outside literals and quoted strings, writes literals larger than
``spool_bytes`` to a temporary file, and turns each ``* n FETCH (...)`` into a
``FetchedMessage`` as soon as it is complete.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aioimaplib import aioimaplib


@dataclass
class FetchedMessage:
    """One message of a UID FETCH: its UID, size and body (in memory or in a spool file)."""

    uid: int
    size: int | None = None
    data: bytes | None = None
    path: Path | None = None
    flags: tuple[str, ...] | None = None

    @property
    def has_body(self) -> bool:
        return self.data is not None or self.path is not None

    def read(self) -> bytes:
        if self.path is not None:
            return self.path.read_bytes()
        return self.data or b""

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
        self.data = None


@dataclass
class _Literal:
    size: int
    buffer: bytearray | None = None
    file: object | None = None
    path: Path | None = None
    received: int = 0


_ATOM = re.compile(rb'[^\s()"{}\[\]]+(?:\[[^\]]*\](?:<\d+>)?)?')
_LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}$")


class SpoolingFetchCommand(aioimaplib.FetchCommand):
    """``UID FETCH`` whose results land in ``self.messages``; see the module docstring."""

    def __init__(self, tag: str, *args, spool_bytes: int, spool_dir: Path | None, **kwargs):
        super().__init__(tag, *args, **kwargs)
        self.spool_bytes = spool_bytes
        self.spool_dir = spool_dir
        self.messages: list[FetchedMessage] = []
        self.unparsed: list[bytes] = []
        self._parts: list[bytes | _Literal] = []
        self._depth = 0
        self._literal: _Literal | None = None

    # -- protocol hooks ----------------------------------------------------------------
    def append_to_resp(self, line: bytes, result: str = "Pending") -> None:
        if result != "Pending":  # the tagged completion
            super().append_to_resp(line, result)
            return
        self._reset_timer()
        self._parts.append(bytes(line))
        self._depth += _paren_delta(line)
        if self._depth <= 0 and not _LITERAL_AT_END.search(line):
            self._complete()

    def begin_literal_data(self, expected_size: int, literal_data: bytes = b"") -> bytes:
        literal = _Literal(expected_size)
        if expected_size > self.spool_bytes:
            fd, name = tempfile.mkstemp(prefix="govmail-imap-", dir=self.spool_dir)
            literal.file, literal.path = os.fdopen(fd, "wb"), Path(name)
        else:
            literal.buffer = bytearray()
        self._literal = literal
        self._parts.append(literal)
        return self.append_literal_data(literal_data)

    def wait_literal_data(self) -> bool:
        return self._literal is not None

    def wait_data(self) -> bool:
        return self._literal is not None or self._depth > 0

    def append_literal_data(self, data: bytes) -> bytes:
        literal = self._literal
        if literal is None:
            return data
        take = literal.size - literal.received
        chunk = data[:take]
        if literal.file is not None:
            literal.file.write(chunk)
        else:
            literal.buffer.extend(chunk)
        literal.received += len(chunk)
        if literal.received >= literal.size:
            if literal.file is not None:
                literal.file.close()
                literal.file = None
            self._literal = None
        self._reset_timer()
        return data[take:]

    # -- parsing -----------------------------------------------------------------------
    def _complete(self) -> None:
        parts, self._parts, self._depth = self._parts, [], 0
        message = parse_fetch(parts)
        if message is None:
            self.unparsed.append(b" ".join(p for p in parts if isinstance(p, bytes))[:200])
            for part in parts:
                if isinstance(part, _Literal) and part.path is not None:
                    part.path.unlink(missing_ok=True)
        else:
            self.messages.append(message)

    def discard(self) -> None:
        """Remove spool files of messages nobody took (the command failed midway)."""
        for message in self.messages:
            message.discard()
        for part in self._parts:
            if isinstance(part, _Literal) and part.path is not None:
                if part.file is not None:
                    part.file.close()
                part.path.unlink(missing_ok=True)


def _paren_delta(line: bytes) -> int:
    """Net "(" minus ")" outside quoted strings (literals never reach here)."""
    if b'"' not in line:
        return line.count(b"(") - line.count(b")")
    depth, quoted, escaped = 0, False, False
    for byte in line:
        if quoted:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                quoted = False
        elif byte == 0x22:
            quoted = True
        elif byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
    return depth


def parse_fetch(parts: list[bytes | _Literal]) -> FetchedMessage | None:
    """``[b"12 FETCH (UID 12 RFC822.SIZE 5 BODY[] {5}", <literal>, b")"]`` → a message."""
    tokens = list(_tokens(parts))
    try:
        start = tokens.index(b"(")
    except ValueError:
        return None
    items: dict[str, object] = {}
    i = start + 1
    while i < len(tokens) and tokens[i] != b")":
        key = tokens[i]
        if not isinstance(key, bytes) or i + 1 >= len(tokens):
            return None
        value, i = _value(tokens, i + 1)
        items[key.decode("ascii", "replace").upper()] = value
    uid = items.get("UID")
    if not isinstance(uid, bytes) or not uid.isdigit():
        return None
    message = FetchedMessage(uid=int(uid))
    size = items.get("RFC822.SIZE")
    if isinstance(size, bytes) and size.isdigit():
        message.size = int(size)
    body = items.get("BODY[]", items.get("RFC822"))
    if isinstance(body, _Literal):
        if body.path is not None:
            message.path = body.path
        else:
            message.data = bytes(body.buffer or b"")
    elif isinstance(body, bytes) and body.startswith(b'"'):
        message.data = body[1:-1]
    flags = items.get("FLAGS")
    if isinstance(flags, list):
        message.flags = tuple(f.decode("ascii", "replace") for f in flags if isinstance(f, bytes))
    return message


def _value(tokens: list, i: int) -> tuple[object, int]:
    token = tokens[i]
    if token == b"(":
        items, i = [], i + 1
        while i < len(tokens) and tokens[i] != b")":
            value, i = _value(tokens, i)
            items.append(value)
        return items, i + 1
    return token, i + 1


def _tokens(parts: list[bytes | _Literal]):
    for part in parts:
        if isinstance(part, _Literal):
            yield part
            continue
        line = _LITERAL_AT_END.sub(b"", part)
        pos = 0
        while pos < len(line):
            ch = line[pos : pos + 1]
            if ch.isspace():
                pos += 1
            elif ch in (b"(", b")"):
                yield ch
                pos += 1
            elif ch == b'"':
                end = pos + 1
                while end < len(line) and line[end : end + 1] != b'"':
                    end += 2 if line[end : end + 1] == b"\\" else 1
                yield line[pos : end + 1]
                pos = end + 1
            else:
                match = _ATOM.match(line, pos)
                if match is None or not match.group():
                    pos += 1
                    continue
                yield match.group()
                pos = match.end()
