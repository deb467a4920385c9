"""What the SMTP path reads from a message: headers and an attachment summary.

Only the MIME structure is walked (no container unpacking, no text extraction, no OCR):
file name, declared type, type detected from the content's first bytes, and size.
"""

from __future__ import annotations

import email.header
import email.utils
from collections.abc import Iterator
from email.message import Message

from archive.filetype import detect
from archive.parse import parse_message_tree
from policies import AttachmentSummary, EnvelopeFacts, MessageFacts

MAX_SUMMARY_PARTS = 200
_MAX_HEADERS = 500


def message_facts(raw: bytes, envelope: EnvelopeFacts, dkim_result: str = "none") -> MessageFacts:
    """Envelope facts plus what the headers and the MIME structure say. Never raises."""
    message = parse_message_tree(_headers_only(raw) if _single_text_part(raw) else raw)
    headers: tuple[tuple[str, str], ...] = ()
    header_from, subject, attachments = "", "", ()
    if message is not None:
        headers = tuple(_headers(message))
        froms = [a for _, a in email.utils.getaddresses([_raw_value(message, "from")]) if a]
        header_from = froms[0] if froms else ""
        subject = {key.lower(): value for key, value in headers}.get("subject", "")
        attachments = tuple(attachment_summary(message))
    return MessageFacts(
        **envelope.__dict__,
        header_from=header_from,
        subject=subject,
        headers=headers,
        attachments=attachments,
        dkim_result=dkim_result,
    )


def _single_text_part(raw: bytes) -> bool:
    """A message whose top Content-Type is text/* (or absent) has no attachments to list,
    so its body need not be parsed on the SMTP path."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower()
    at = head.find(b"\ncontent-type:")
    if at < 0:
        return not head.startswith(b"content-type:")
    value = head[at + 14 : at + 80].lstrip()
    return value.startswith(b"text/") and b"name=" not in head[at : at + 400]


def _headers_only(raw: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[: at + len(sep)]
    return raw


def _headers(message: Message) -> Iterator[tuple[str, str]]:
    """Each field name once with its first value, unfolded and RFC 2047 decoded.

    Read from the raw fields: the header registry's structured parse of every field
    cost more than the rest of the SMTP path, and the rules only compare text.
    """
    seen: set[str] = set()
    for index, (key, value) in enumerate(message.raw_items()):
        if index >= _MAX_HEADERS:
            return
        name = key.lower()
        if name in seen:
            continue
        seen.add(name)
        yield key, " ".join(_decoded(str(value)).split())


def _raw_value(message: Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def _decoded(value: str) -> str:
    if not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value):
        value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        return value


def attachment_summary(message: Message) -> Iterator[AttachmentSummary]:
    """Leaf parts that are attachments (a file name, or not inline text)."""
    count = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        count += 1
        if count > MAX_SUMMARY_PARTS:
            return
        filename = _filename(part)
        declared = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        if not filename and declared.startswith("text/") and disposition != "attachment":
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            payload = b""
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "replace")
        yield AttachmentSummary(filename, declared, detect(payload), len(payload))


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    return " ".join(str(name).split())[:255] or None
