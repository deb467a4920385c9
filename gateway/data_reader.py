"""Reading the DATA phase in large pieces instead of line by line.

aiosmtpd reads message data one ``readuntil(b"\\r\\n")`` at a time; for a 28 KB message
that is some 350 awaits, and its stream limit of 1001 bytes pauses and resumes the socket
every two lines. That was the largest single cost of the SMTP process. Here the reader
waits for ``.\\r\\n`` and accepts it as the end only when it starts a line (after CRLF, or
as the very first bytes): the same strict rule as aiosmtpd 1.4.6, so ``\\n.\\n``,
``\\r.\\r``, ``\\n.\\r\\n`` and friends stay inside the message (no smuggling), and commands
pipelined after the end stay in the stream for the session. Limits are aiosmtpd's: a line
longer than ``line_limit`` (CRLF included) gives 500, more than ``size_limit`` bytes 552,
both only once the client has sent the end of data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

END = b".\r\n"
TOO_LONG = "500 Line too long (see RFC5321 4.5.3.1.6)"
TOO_MUCH = "552 Error: Too much mail data"


@dataclass
class Received:
    """Bytes of message data read so far: the DATA deadline grows with them."""

    bytes: int = 0


@dataclass
class DataResult:
    content: bytes = b""  # dot-unstuffed (RFC 5321 4.5.2)
    problem: str | None = None  # the reply instead of the handler's, when a limit was hit


async def read_data(
    reader: asyncio.StreamReader,
    size_limit: int | None,
    line_limit: int,
    received: Received | None = None,
):
    """Everything up to the end-of-data line, which is consumed and not returned."""
    received = received or Received()
    pieces: list[bytes] = []
    total = 0  # bytes kept or dropped, for the size limit
    last = b"\r\n"  # the DATA command line ended with CRLF: a first ".\r\n" ends the data
    too_much = False
    while True:
        try:
            piece = await reader.readuntil(END)
            found = True
        except asyncio.LimitOverrunError as exc:  # no ".\r\n" in a full buffer: take it
            piece = await reader.read(exc.consumed)
            found = False
        received.bytes += len(piece)
        if found and _last_two(last, piece[: -len(END)]) == b"\r\n":
            piece = piece[: -len(END)]
            total += len(piece)
            too_much = too_much or bool(size_limit and total > size_limit)
            if piece and not too_much:
                pieces.append(piece)
            break
        total += len(piece)
        if size_limit and total > size_limit:
            too_much = True
            pieces.clear()  # keep draining, keep nothing
        elif not too_much:
            pieces.append(piece)
        last = _last_two(last, piece)
    if too_much:
        return DataResult(problem=TOO_MUCH)
    raw = b"".join(pieces)
    if _longest_line(raw) > line_limit:
        return DataResult(problem=TOO_LONG)
    content = raw.replace(b"\r\n.", b"\r\n")
    return DataResult(content[1:] if content.startswith(b".") else content)


def _last_two(before: bytes, data: bytes) -> bytes:
    """The last two bytes of ``before + data`` without copying ``data``."""
    return data[-2:] if len(data) >= 2 else (before + data)[-2:]


def _longest_line(raw: bytes) -> int:
    """Length of the longest CRLF-ended line, CRLF included (as aiosmtpd counts)."""
    if len(raw) <= 1000:
        return len(raw)
    return max(map(len, raw.split(b"\r\n"))) + 2
