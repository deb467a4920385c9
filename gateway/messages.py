"""Messages govmail writes itself: DSN bounces (RFC 3464) and policy notices.

Texts for people are Vietnamese with diacritics, then English. They are new messages, so
they are built with the email package; mail we relay is never re-serialised.
"""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage

from gateway.headers import header_safe, split_fields
from policies.notices import notice_body, notice_subject
from policies.verdict import Verdict

_POLICY = email.policy.SMTP


def bounce(
    reporting_mta: str,
    notice_from: str,
    original_from: str,
    original_raw: bytes,
    failures: dict[str, str],
    spool_id: str,
) -> bytes:
    """A delivery status notification for recipients that failed permanently."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = f"Mail Delivery System <{notice_from}>"
    msg["To"] = original_from
    msg["Subject"] = "Không gửi được thư / Undelivered Mail Returned to Sender"
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(domain=notice_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-replied"
    lines_vi = [f"  {rcpt}: {header_safe(reply)}" for rcpt, reply in failures.items()]
    text = (
        "Thư của bạn không gửi được tới những người nhận sau (lỗi vĩnh viễn):\n\n"
        + "\n".join(lines_vi)
        + "\n\n----\n\nYour message could not be delivered to these recipients "
        "(permanent failure):\n\n" + "\n".join(lines_vi) + "\n"
    )
    msg.set_content(text)
    msg.make_mixed()
    status = EmailMessage(policy=_POLICY)
    per_rcpt = []
    for rcpt, reply in failures.items():
        code = header_safe(reply).split(" ", 2)
        diag = header_safe(reply)
        enhanced = code[1] if len(code) > 1 and code[1][:1] == "5" else "5.0.0"
        per_rcpt.append(
            f"Final-Recipient: rfc822; {header_safe(rcpt)}\r\nAction: failed\r\n"
            f"Status: {enhanced}\r\nDiagnostic-Code: smtp; {diag}\r\n"
        )
    body = (
        f"Reporting-MTA: dns; {header_safe(reporting_mta)}\r\n"
        f"X-GovMail-Queue-ID: {spool_id}\r\n\r\n" + "\r\n".join(per_rcpt)
    )
    status.set_content(body.encode("ascii", "replace"), "message", "delivery-status")
    msg.attach(status)
    headers_part = EmailMessage(policy=_POLICY)
    fields, _ = split_fields(original_raw)
    headers_part.set_content(
        b"".join(fields)[: 64 * 1024].decode("ascii", "replace"), subtype="rfc822-headers"
    )
    del headers_part["Content-Type"]
    headers_part["Content-Type"] = "text/rfc822-headers"
    msg.attach(headers_part)
    msg.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
    return msg.as_bytes(policy=_POLICY)


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
