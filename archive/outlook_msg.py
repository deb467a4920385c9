"""Read Outlook ``.msg`` files (OLE compound files) into an ``EmailMessage``.

Uses olefile (BSD) and reads only the MAPI properties govmail needs: the transport headers
when present, else subject/sender/recipients/date, the plain and HTML bodies, and the
attachments (files and embedded messages). extract-msg does more, but is GPL-3.0-only,
which does not fit every government deployment.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

import olefile

_ATTACH_PREFIX = "__attach_version1.0_#"
_RECIP_PREFIX = "__recip_version1.0_#"
_EMBEDDED = "__substg1.0_3701000D"
_MAX_ATTACHMENTS = 1000
_MAX_DEPTH = 5


class MsgError(ValueError):
    """The file is not a usable Outlook message."""


def msg_to_email(data: bytes) -> EmailMessage:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise MsgError(f"not an OLE compound file: {exc}") from None
    with ole:
        return _read(ole, [], 0)


class _Storage:
    """Property access relative to one storage (the root, an attachment, an embedded msg)."""

    def __init__(self, ole: olefile.OleFileIO, base: list[str]):
        self.ole, self.base = ole, base

    def stream(self, name: str) -> bytes | None:
        path = [*self.base, name]
        if not self.ole.exists("/".join(path)):
            return None
        return self.ole.openstream(path).read()

    def text(self, prop: str) -> str | None:
        raw = self.stream(f"__substg1.0_{prop}001F")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").rstrip("\x00")
        raw = self.stream(f"__substg1.0_{prop}001E")
        if raw is not None:
            return raw.decode("cp1252", "replace").rstrip("\x00")
        return None

    def binary(self, prop: str) -> bytes | None:
        return self.stream(f"__substg1.0_{prop}0102")

    def fixed(self, prop_tag: int) -> bytes | None:
        """An 8-byte value from the fixed-size property stream."""
        raw = self.stream("__properties_version1.0")
        if not raw:
            return None
        header = 32 if not self.base else (24 if self.base[-1] == _EMBEDDED else 8)
        for offset in range(header, len(raw) - 15, 16):
            tag = struct.unpack_from("<I", raw, offset)[0]
            if tag == prop_tag:
                return raw[offset + 8 : offset + 16]
        return None

    def children(self, prefix: str) -> list[list[str]]:
        depth = len(self.base)
        names = set()
        for entry in self.ole.listdir(streams=True, storages=True):
            if (
                len(entry) > depth
                and entry[:depth] == self.base
                and entry[depth].startswith(prefix)
            ):
                names.add(entry[depth])
        return [[*self.base, name] for name in sorted(names)]


def _read(ole: olefile.OleFileIO, base: list[str], depth: int) -> EmailMessage:
    store = _Storage(ole, base)
    headers = store.text("007D")
    msg = _from_transport_headers(headers) if headers else EmailMessage()
    if not headers:
        _set(msg, "Subject", store.text("0037"))
        _set(msg, "From", _sender(store))
        _set(msg, "To", store.text("0E04"))
        _set(msg, "Cc", store.text("0E03"))
        when = _filetime(store.fixed(0x00390040)) or _filetime(store.fixed(0x0E060040))
        if when:
            msg["Date"] = format_datetime(when)
    body = store.text("1000")
    html = store.binary("1013") or (store.text("1013") or "").encode("utf-8") or None
    for name in [n for n in msg if n.lower().startswith("content-")]:
        del msg[name]
    if body is not None:
        msg.set_content(body)
    if html:
        if body is None:
            msg.set_content(html.decode("utf-8", "replace"), subtype="html")
        else:
            msg.add_alternative(html.decode("utf-8", "replace"), subtype="html")
    if body is None and not html:
        msg.set_content("")
    for path in store.children(_ATTACH_PREFIX)[:_MAX_ATTACHMENTS]:
        _attach(ole, path, msg, depth)
    return msg


def _attach(ole: olefile.OleFileIO, path: list[str], msg: EmailMessage, depth: int) -> None:
    att = _Storage(ole, path)
    name = att.text("3707") or att.text("3704") or att.text("3001") or "attachment"
    if ole.exists("/".join([*path, _EMBEDDED])) and depth < _MAX_DEPTH:
        inner = _read(ole, [*path, _EMBEDDED], depth + 1)
        msg.add_attachment(inner, filename=f"{name}.eml" if "." not in name else name)
        return
    data = att.binary("3701")
    if data is None:
        return
    mime = (att.text("370E") or "application/octet-stream").strip().lower()
    maintype, _, subtype = mime.partition("/")
    if not subtype or maintype in ("multipart", "message"):
        maintype, subtype = "application", "octet-stream"
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def _from_transport_headers(text: str) -> EmailMessage:
    head = text.replace("\r\n", "\n").strip("\n") + "\n\n"
    return BytesParser(policy=policy.default).parsebytes(head.encode("utf-8", "replace"))


def _sender(store: _Storage) -> str | None:
    address = store.text("0C1F") or store.text("5D01") or store.text("0065")
    name = store.text("0C1A") or store.text("0042")
    if address and "@" in address:
        return f"{name} <{address}>" if name else address
    return name


def _set(msg: EmailMessage, header: str, value: str | None) -> None:
    if value:
        msg[header] = " ".join(value.replace("\x00", "").split())


def _filetime(raw: bytes | None) -> datetime | None:
    if not raw:
        return None
    ticks = struct.unpack("<Q", raw)[0]
    if not ticks:
        return None
    try:
        return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
