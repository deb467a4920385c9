"""What the SMTP path reads from a message: headers and an attachment summary.

Only the MIME structure is walked (no container unpacking, no text extraction, no OCR):
file name, declared type, type detected from the content's first bytes, and size.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message

from archive.filetype import detect
from archive.parse import header_addresses, header_text, parse_message
from policies import AttachmentSummary, EnvelopeFacts, MessageFacts

MAX_SUMMARY_PARTS = 200
_MAX_HEADERS = 500


def message_facts(raw: bytes, envelope: EnvelopeFacts, dkim_result: str = "none") -> MessageFacts:
    """Envelope facts plus what the headers and the MIME structure say. Never raises."""
    parsed = parse_message(_headers_only(raw) if _single_text_part(raw) else raw)
    message = parsed.message
    headers: tuple[tuple[str, str], ...] = ()
    header_from, subject, attachments = "", "", ()
    if message is not None:
        headers = tuple(_headers(message))
        froms = header_addresses(message, "from")
        header_from = froms[0][1] if froms else ""
        subject = " ".join((header_text(message, "subject") or "").split())
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
    for index, key in enumerate(message.keys()):
        if index >= _MAX_HEADERS:
            return
        try:
            values = message.get_all(key) or []
        except Exception:
            values = []
        for value in values[:1]:
            yield key, " ".join(str(value).split())


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
