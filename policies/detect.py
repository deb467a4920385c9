"""Pure detectors over headers and the attachment summary: auto-forwarding, documents."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from email.utils import parseaddr

from policies.facts import AttachmentSummary, MessageFacts

# Types that carry an official document when detected by content (not by file name).
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/rtf",
        "text/rtf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "image/tiff",
        "image/vnd.djvu",
    }
)
# Containers that may hold documents; the SMTP path does not open them, so they count:
# archives, Outlook's winmail.dat (TNEF) and .msg, and a mail attached as a plain file.
CONTAINER_TYPES = frozenset(
    {
        "application/zip",
        "application/x-rar",
        "application/vnd.rar",
        "application/x-7z-compressed",
        "application/gzip",
        "application/x-tar",
        "application/x-bzip2",
        "application/x-xz",
        "application/vnd.ms-tnef",
        "application/ms-tnef",
        "application/vnd.ms-outlook",
        "message/rfc822",
    }
)

# Số/ký hiệu: 5985/UBND-KTN, 192/QĐ-UBND, 28/2018/QĐ-TTg, 12/SGD&ĐT-VP (vn-edoc.md 1.4).
_GROUP = r"[A-ZĐ][A-Za-zĐđ&0-9]{0,11}"
DOCUMENT_NUMBER = re.compile(
    rf"(?<![\w/])(\d{{1,7}})\s?/\s?(?:(\d{{4}})\s?/\s?)?({_GROUP}(?:-{_GROUP}){{1,4}})(?![\w-])"
)
# Look-alikes typed for Đ/đ (Latin Eth, common after legacy-encoding conversions) and for
# "-" (Unicode hyphens that word processors put in a copied số/ký hiệu).
_LOOKALIKES = str.maketrans({"\u00d0": "Đ", "\u00f0": "đ", "\u2010": "-", "\u2011": "-"})

_FORWARD_HEADERS = (
    ("resent-from", "Resent-From header"),
    ("resent-sender", "Resent-Sender header"),
    ("resent-to", "Resent-To header"),
    ("x-forwarded-to", "X-Forwarded-To header"),
    ("x-forwarded-for", "X-Forwarded-For header"),
    ("x-forwarded-message-id", "X-Forwarded-Message-Id header"),
    ("x-ms-exchange-inbox-rules-loop", "Exchange inbox-rule loop header"),
)


class Reason(str):
    """A detector's English reason (what facts and logs carry) with its Vietnamese text
    (``vi``) for the notices people read."""

    vi: str

    def __new__(cls, en: str = "", vi: str = "") -> Reason:
        reason = super().__new__(cls, en)
        reason.vi = vi or en
        return reason


def in_vietnamese(reason: str) -> str:
    """The Vietnamese text of a detector's reason (a plain string is returned as it is)."""
    return getattr(reason, "vi", reason)


def document_number(subject: str) -> str | None:
    """The first số/ký hiệu in a subject, e.g. ``5985/UBND-KTN``."""
    text = unicodedata.normalize("NFC", subject or "").translate(_LOOKALIKES)
    match = DOCUMENT_NUMBER.search(text)
    return match.group(0).replace(" ", "") if match else None


def documents_in(attachments: Iterable[AttachmentSummary], subject: str) -> Reason:
    """Why the message carries official documents, or '' when it does not."""
    for item in attachments:
        name = item.filename or "(unnamed)"
        if item.detected_type in DOCUMENT_TYPES:
            return Reason(
                f"attachment {name} is {item.detected_type}",
                f"tệp đính kèm {name} là {item.detected_type}",
            )
        if item.detected_type in CONTAINER_TYPES:
            return Reason(
                f"container {name} ({item.detected_type}) may hold documents",
                f"tệp {name} ({item.detected_type}) có thể chứa văn bản",
            )
    number = document_number(subject)
    if number:
        return Reason(
            f"document number {number} in the subject", f"số/ký hiệu {number} trong tiêu đề"
        )
    return Reason()


def auto_forward_reason(facts: MessageFacts, local_rcpts_in_headers: bool = False) -> Reason:
    """Why the message looks automatically forwarded, or '' when it does not."""
    auto = (facts.header("auto-submitted") or "").strip().lower()
    if auto.startswith("auto-forwarded"):
        return Reason("Auto-Submitted: auto-forwarded", "tiêu đề Auto-Submitted: auto-forwarded")
    names = {key.lower() for key, _ in facts.headers}
    for name, why in _FORWARD_HEADERS:
        if name in names:
            return Reason(why, "tiêu đề " + why.removesuffix(" header"))
    return _envelope_mismatch(facts)


def _envelope_mismatch(facts: MessageFacts) -> Reason:
    """Envelope sender's domain differs from the header From's and no recipient is named."""
    env_domain = facts.mail_from.rpartition("@")[2].lower()
    hdr_domain = parseaddr(facts.header_from)[1].rpartition("@")[2].lower()
    if not env_domain or not hdr_domain or env_domain == hdr_domain:
        return Reason()
    named = " ".join(
        (value or "").lower()
        for key, value in facts.headers
        if key.lower() in ("to", "cc", "delivered-to")
    )
    if any(rcpt.lower() in named for rcpt in facts.rcpt_to):
        return Reason()
    return Reason(
        f"envelope sender {env_domain} differs from header From {hdr_domain}",
        f"người gửi trong phong bì ({env_domain}) khác người gửi trong tiêu đề From ({hdr_domain})",
    )
