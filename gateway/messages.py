"""Messages govmail writes itself: DSN bounces (RFC 3464) and policy notices.

Texts for people are Vietnamese with diacritics, then English. They are new messages, so
they are built with the email package; mail we relay is never re-serialised.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from email.message import EmailMessage

from gateway.headers import header_safe, split_fields
from policies.notices import notice_body, notice_subject
from policies.verdict import Verdict

_POLICY = email.policy.SMTP
GAVE_UP = "gave up: "  # how the relay marks recipients whose queue lifetime ran out


def bounce(
    reporting_mta: str,
    notice_from: str,
    original_from: str,
    original_raw: bytes,
    failures: dict[str, str],
    spool_id: str,
) -> bytes:
    """A delivery status notification (multipart/report) for permanent failures."""
    boundary = f"=_govmail_{spool_id}"
    listed = "\n".join(f"  {header_safe(r)}: {header_safe(why)}" for r, why in failures.items())
    text = EmailMessage(policy=_POLICY)
    text.set_content(
        "Thư của bạn không gửi được tới những người nhận sau (lỗi vĩnh viễn):\n\n"
        f"{listed}\n\n----\n\nYour message could not be delivered to these recipients "
        f"(permanent failure):\n\n{listed}\n"
    )
    per_rcpt = []
    for rcpt, why in failures.items():
        status, reply = _status(header_safe(why))
        diagnostic = f"Diagnostic-Code: smtp; {reply}\r\n" if reply else ""
        per_rcpt.append(
            f"Final-Recipient: rfc822; {header_safe(rcpt)}\r\nAction: failed\r\n"
            f"Status: {status}\r\n{diagnostic}"
        )
    status_body = (
        f"Reporting-MTA: dns; {header_safe(reporting_mta)}\r\n"
        f"X-GovMail-Queue-ID: {spool_id}\r\n\r\n" + "\r\n".join(per_rcpt)
    ).encode("ascii", "replace")
    fields, _ = split_fields(original_raw)
    head = EmailMessage(policy=_POLICY)
    head["From"] = f"Mail Delivery System <{notice_from}>"
    head["To"] = header_safe(original_from)
    head["Subject"] = "Không gửi được thư / Undelivered Mail Returned to Sender"
    head["Date"] = email.utils.formatdate(localtime=False)
    head["Message-ID"] = email.utils.make_msgid(domain=notice_from.rpartition("@")[2] or None)
    head["Auto-Submitted"] = "auto-replied"
    head["MIME-Version"] = "1.0"
    head["Content-Type"] = f'multipart/report; report-type=delivery-status; boundary="{boundary}"'
    top = head.as_bytes(policy=_POLICY).split(b"\r\n\r\n", 1)[0]
    b = boundary.encode()
    return b"".join(
        [
            top, b"\r\n\r\n",
            b"--" + b + b"\r\n", text.as_bytes(policy=_POLICY), b"\r\n",
            b"--" + b + b"\r\nContent-Type: message/delivery-status\r\n\r\n",
            status_body, b"\r\n",
            b"--" + b + b"\r\nContent-Type: text/rfc822-headers\r\n\r\n",
            b"".join(fields)[: 64 * 1024], b"\r\n",
            b"--" + b + b"--\r\n",
        ]
    )  # fmt: skip


_REPLY = re.compile(r"([245])\d\d(?:[ -]([245]\.\d{1,3}\.\d{1,3})\b)?")


def _status(why: str) -> tuple[str, str]:
    """RFC 3463 status and the SMTP reply for a failure: the reply's enhanced code when
    it has one; else 5.0.0, or 4.4.7 for recipients given up on after temporary failures
    (``gave up: …``, the queue lifetime ran out). No reply: '' (no Diagnostic-Code)."""
    expired = why.startswith(GAVE_UP)
    why = why.removeprefix(GAVE_UP)
    match = _REPLY.match(why)
    code = match.group(2) if match and match.group(2) else ""
    if code[:1] != ("4" if expired else "5"):
        code = "4.4.7" if expired else "5.0.0"
    return code, why if match else ""


def notice(
    verdict: Verdict,
    audience: str,
    notice_from: str,
    to: str,
    subject: str,
    sender: str,
    recipients: list[str],
    spool_id: str,
) -> bytes:
    """A policy notice to the sender or the admin."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = f"govmail <{notice_from}>"
    msg["To"] = to
    msg["Subject"] = notice_subject(verdict)
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(domain=notice_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-GovMail-Queue-ID"] = spool_id
    msg.set_content(notice_body(verdict, audience, header_safe(subject), sender, recipients))
    return msg.as_bytes(policy=_POLICY)
