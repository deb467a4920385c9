"""Every SMTP reply the gateway gives for a policy or protocol reason, in one table.

Reply lines are ASCII (an SMTP reply may carry UTF-8 only when the client asked for
SMTPUTF8): Vietnamese without diacritics, then English. The full Vietnamese text with
diacritics goes into notices and bounces (``Verdict.reason_vi``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    code: int
    status: str  # enhanced status code (RFC 3463)
    vi: str  # Vietnamese without diacritics (ASCII)
    en: str

    def line(self, rule: str = "", log_id: str = "") -> str:
        """One ASCII reply line; the rule name (and log id) are appended when given."""
        text = f"{self.code} {self.status} {self.vi} / {self.en}"
        if rule:
            text += f" [rule {rule}]"
        if log_id:
            text += f" [id {log_id}]"
        return ascii_line(text)


def ascii_line(text: str) -> str:
    """Printable ASCII on one line; anything else becomes '?'."""
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


OK = Reply(250, "2.0.0", "Da nhan", "Queued")
OK_QUARANTINED = Reply(250, "2.0.0", "Da nhan, dang cho kiem tra", "Accepted and held for review")
RCPT_OK = Reply(250, "2.1.5", "Nguoi nhan hop le", "Recipient OK")
DOCUMENTS_ABROAD = Reply(
    550,
    "5.7.1",
    "Khong duoc gui van ban chinh thuc tu hop thu cong vu ra dich vu thu dien tu nuoc ngoai",
    "Official documents may not be sent from an official mailbox to a foreign mail service",
)
FORWARD_ABROAD = Reply(
    550,
    "5.7.1",
    "Khong duoc tu dong chuyen tiep thu cong vu ra dich vu thu dien tu nuoc ngoai",
    "Automatic forwarding of official mail to a foreign mail service is not allowed",
)
OFFICIAL_TO_FOREIGN = Reply(
    550,
    "5.7.1",
    "Hop thu cong vu khong duoc gui thu ra dich vu thu dien tu nuoc ngoai",
    "Official mailboxes may not send mail to a foreign mail service",
)
DKIM_FAIL_OFFICIAL = Reply(
    550,
    "5.7.1",
    "Thu mang ten mien co quan nha nuoc nhung chu ky DKIM khong hop le",
    "Mail claims an official sender domain but fails DKIM",
)
POLICY_REJECT = Reply(550, "5.7.1", "Thu bi tu choi theo chinh sach", "Rejected by policy")
DNS_DEFER = Reply(
    451,
    "4.4.3",
    "Tam thoi khong tra cuu duoc ten mien, vui long gui lai sau",
    "Cannot look up the recipient domain now, try again later",
)
RELAY_DENIED = Reply(
    554,
    "5.7.1",
    "Khong cho phep chuyen tiep thu",
    "Relay access denied",
)
BAD_ADDRESS = Reply(553, "5.1.3", "Dia chi thu khong hop le", "Address syntax not accepted")
BAD_SENDER = Reply(
    553, "5.1.7", "Dia chi nguoi gui khong hop le", "Sender address syntax not accepted"
)
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Qua nhieu nguoi nhan", "Too many recipients")
RATE_LIMITED = Reply(
    451, "4.7.1", "Gui qua nhieu thu, vui long thu lai sau", "Message rate exceeded, try later"
)
TOO_MANY_CONNECTIONS = Reply(
    421, "4.7.0", "Qua nhieu ket noi tu dia chi nay", "Too many connections from your address"
)
BARE_LINE_ENDING = Reply(
    554,
    "5.6.0",
    "Thu co ky tu xuong dong khong hop le (CR hoac LF don le)",
    "Message contains a bare CR or bare LF",
)
TOO_BIG = Reply(552, "5.3.4", "Thu qua lon", "Message too big")
SESSION_TIMEOUT = Reply(421, "4.4.2", "Het thoi gian phien", "Session time limit reached")
TEMPORARY_FAILURE = Reply(
    451, "4.3.0", "Loi tam thoi, vui long gui lai sau", "Temporary local problem, try later"
)
SHUTTING_DOWN = Reply(421, "4.3.2", "May chu dang dung", "Service shutting down")
