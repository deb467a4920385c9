"""Mail that claims an official sender domain and fails DKIM."""

from __future__ import annotations

from policies import replies
from policies.classify import DomainClass
from policies.facts import RuleFacts
from policies.rules import Hit

name = "official-sender-dkim-fail"
stage = "message"
reply = replies.DKIM_FAIL_OFFICIAL
FAILING = ("fail", "permerror")


def check(facts: RuleFacts) -> Hit | None:
    # permerror too: a signature whose key does not exist is how forgers "sign"
    if facts.dkim_result not in FAILING:
        return None
    # Our own users' mail is exempt only when it comes from where our users send from: mail
    # naming our domain as sender from any other client is what a forger sends.
    ours = facts.trusted_network or facts.authenticated
    if facts.direction in ("outbound", "internal") and ours:
        return None
    claimed = facts.header_from or facts.sender
    if claimed.cls is not DomainClass.OFFICIAL:
        return None
    return Hit(
        f"Thư ghi người gửi thuộc tên miền cơ quan nhà nước ({claimed.domain}) nhưng chữ ký "
        "DKIM không hợp lệ, nên có thể là thư giả mạo. Thư được giữ lại để quản trị viên "
        "kiểm tra.",
        f"Mail claims an official sender domain ({claimed.domain}) but its DKIM signature "
        "fails, so it may be forged. It is held for an administrator to review.",
        {"claimed_domain": claimed.domain},
    )
