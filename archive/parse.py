"""Parse raw bytes into a message object and the header facts the archive records.

``policy.default`` first; a header it cannot read falls back to the ``compat32`` decoding of
that header. Nothing here raises on bad input: problems become ``defects`` or ``parse_error``.
"""

from __future__ import annotations

import contextlib
import email.header
import email.utils
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy

from archive.addresses import domain_of, normalise_address
from archive.filetype import OLE_MAGIC

ADDRESS_ROLES = ("from", "sender", "reply-to", "to", "cc", "bcc")
_BOM = b"\xef\xbb\xbf"
# Defects that mean the parser had to guess the structure or could not decode content
# exactly; anything else (obsolete syntax, odd headers) is kept in ``defects`` only.
STRUCTURAL_DEFECTS = {
    "StartBoundaryNotFound",
    "CloseBoundaryNotFound",
    "FirstHeaderLineIsContinuation",
    "MisplacedEnvelopeHeader",
    "MissingHeaderBodySeparator",
    "MultipartInvariantViolation",
    "NoBoundaryInMultipart",
    "InvalidMultipartContentTransferEncoding",
    "InvalidBase64Characters",
    "InvalidBase64Padding",
    "InvalidBase64Length",
}
_MAX_HEADER_TEXT = 10_000
_PARSE_AT_MOST = 64 * 1024  # characters of a header value read by the header registry


@dataclass(frozen=True)
class ParsedAddress:
    role: str
    address: str
    name: str | None
    domain: str | None


@dataclass
class ParsedMessage:
    """What the archive keeps from a message's headers, plus the object to walk."""

    message: Message | None
    message_id: str | None = None
    subject: str | None = None
    sent_at: datetime | None = None
    from_address: str | None = None
    from_name: str | None = None
    content_type: str | None = None
    addresses: list[ParsedAddress] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parse_error: str | None = None
    origin: str = "rfc822"  # or "outlook-msg"


class ArchivePolicy(EmailPolicy):
    """``policy.default``, except that Content-* headers are read as plain text.

    The header registry's structured parse of Content-Type/-Disposition costs more than
    the rest of the walk, and the walk only needs the type, charset and file name, which
    ``Message.get_param`` reads from the text (RFC 2231 included). Raw 8-bit bytes in
    those headers (a UTF-8 file name sent unencoded) are read as UTF-8.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower[:8] == "content-" or (len(value) > _PARSE_AT_MOST and lower in ADDRESS_ROLES):
            # (A long address list is left to getaddresses, which is linear.)
            text = "".join(value.splitlines())
            if not text.isascii() and any("\udc80" <= ch <= "\udcff" for ch in text):
                text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
            return text
        # The header registry's parser takes time quadratic in the length of a value.
        return super().header_fetch_parse(name, value[:_PARSE_AT_MOST])


ARCHIVE_POLICY = ArchivePolicy()


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse ``raw`` (RFC 5322 or an Outlook .msg file). Never raises on bad input."""
    message, error, origin = _parse_tree(raw)
    if message is None:
        return (
            _headers_only(raw, error)
            if origin == "rfc822"
            else ParsedMessage(None, parse_error=error)
        )
    parsed = read_headers(message)
    parsed.origin = origin
    return parsed


def parse_message_tree(raw: bytes) -> Message | None:
    """Only the MIME tree, no header reading (the SMTP path reads the few it needs)."""
    return _parse_tree(raw)[0]


def _parse_tree(raw: bytes) -> tuple[Message | None, str | None, str]:
    if raw.startswith(OLE_MAGIC):
        from archive.outlook_msg import msg_to_email

        try:
            return msg_to_email(raw), None, "outlook-msg"
        except Exception as exc:
            return None, f"unreadable Outlook .msg: {exc}", "outlook-msg"
    data = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        return BytesParser(policy=ARCHIVE_POLICY).parsebytes(data), None, "rfc822"
    except Exception as exc:
        try:
            return BytesParser(policy=policy.compat32).parsebytes(data), None, "rfc822"
        except Exception as exc2:
            return None, f"cannot parse: {exc}; compat32: {exc2}", "rfc822"


def _headers_only(raw: bytes, error: str | None) -> ParsedMessage:
    """The header facts of a message whose body cannot be parsed (e.g. nested too deep to
    walk): recorded so the message can be found; no tree to walk, ``error`` kept."""
    data = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        head = BytesParser(policy=ARCHIVE_POLICY).parsebytes(data, headersonly=True)
        parsed = read_headers(head)
    except Exception:
        return ParsedMessage(None, parse_error=error)
    parsed.message, parsed.parse_error = None, error
    return parsed


def read_headers(message: Message) -> ParsedMessage:
    parsed = ParsedMessage(message)
    parsed.defects = sorted({_defect_name(d) for d in _all_defects(message)})
    parsed.message_id = _clean(header_text(message, "message-id"), 998)
    parsed.subject = _clean(header_text(message, "subject"), _MAX_HEADER_TEXT)
    parsed.sent_at = _date(header_text(message, "date"), parsed)
    try:
        parsed.content_type = message.get_content_type()
    except Exception:
        parsed.content_type = None
    for role in ADDRESS_ROLES:
        for name, addr in header_addresses(message, role):
            norm = normalise_address(addr)
            if norm:
                parsed.addresses.append(
                    ParsedAddress(role, norm, _clean(name, 500) or None, domain_of(norm))
                )
    sender = next((a for a in parsed.addresses if a.role == "from"), None)
    if sender:
        parsed.from_address, parsed.from_name = sender.address, sender.name
    structural = [d for d in parsed.defects if d in STRUCTURAL_DEFECTS]
    if not message.keys():
        parsed.parse_error = "no header fields (the message starts with body text)"
    elif structural:
        parsed.parse_error = "malformed message: " + ", ".join(structural)
    return parsed


def header_text(message: Message, name: str) -> str | None:
    """A header's decoded text, or None; RFC 2047 decoded, never raising."""
    legacy = _legacy_values(message, name)
    if legacy:
        return legacy[0]
    try:
        value = message.get(name)
    except Exception:
        value = None
        raw = _raw_header(message, name)
        if raw is not None:
            return _decode_compat(raw)
    if value is None:
        return None
    return str(value)


def header_addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header, tolerant of bad syntax."""
    values: list[str] = _legacy_values(message, name)
    try:
        values = values or [str(v) for v in message.get_all(name) or []]
    except Exception:
        raw = _raw_header(message, name)
        values = [_decode_compat(raw)] if raw else []
    try:
        pairs = email.utils.getaddresses(values)
    except (RecursionError, ValueError, IndexError):  # thousands of nested comments or groups
        pairs = []
        for chunk in (c for v in values for c in v.split(",")):
            with contextlib.suppress(RecursionError, ValueError, IndexError):
                pairs.extend(email.utils.getaddresses([chunk]))
    return [(_decode_compat(n) if "=?" in n else n, a) for n, a in pairs if a]


def _legacy_values(message: Message, name: str) -> list[str]:
    """All values of a header sent as raw 8-bit bytes that are not UTF-8 (against RFC 5322,
    but old Vietnamese mail does it): read in the charset the message declares for its text,
    as mail clients do. Empty when no value needs it or no charset fits."""
    raws = [v for k, v in _raw_items(message) if k.lower() == name and isinstance(v, str)]
    if not any(_is_8bit(v) for v in raws):
        return []
    charset = _declared_charset(message)
    if charset is None:
        return []
    values = []
    for raw in raws:
        try:
            data = raw.encode("ascii", "surrogateescape")
            data.decode("utf-8")
            return []  # UTF-8: the policy reads it right
        except UnicodeEncodeError:
            return []  # text already (a header set from an Outlook .msg)
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode(charset)
        except (LookupError, ValueError):
            return []
        values.append(unicodedata.normalize("NFC", _decode_compat(text)))
    return values


def _is_8bit(value: str) -> bool:
    return not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value)


def _declared_charset(message: Message) -> str | None:
    """The first charset a text part of the message declares (not a Unicode one)."""
    stack, seen = [message], 0
    while stack and seen < 100:
        node = stack.pop(0)
        seen += 1
        try:
            charset = node.get_content_charset()
        except Exception:
            charset = None
        if charset and charset.replace("-", "").replace("_", "") not in ("utf8", "usascii"):
            return charset
        payload = node.get_payload() if node.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return None


def _raw_items(message: Message) -> list[tuple[str, object]]:
    try:
        return list(message.raw_items() if hasattr(message, "raw_items") else message.items())
    except Exception:
        return []


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items() if hasattr(message, "raw_items") else message.items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return None


def _decode_compat(raw: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:
        return raw


def _clean(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", " ".join(text.replace("\x00", "").split()))
    return text[:limit] if text else None


def _date(text: str | None, parsed: ParsedMessage) -> datetime | None:
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.defects.append("InvalidDateHeader")
        return None
    if value is None:
        return None
    if value.tzinfo is None:  # "-0000": time zone unknown; RFC 5322 says treat as UTC
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        parsed.defects.append("InvalidDateHeader")
        return None


def _defect_name(defect: object) -> str:
    name = type(defect).__name__
    return name[: -len("Defect")] if name.endswith("Defect") else name


def _all_defects(message: Message):
    stack = [message]
    seen = 0
    while stack and seen < 5000:
        node = stack.pop()
        seen += 1
        yield from getattr(node, "defects", ())
        if node.is_multipart():
            payload = node.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in payload if isinstance(p, Message))
