"""Automatic forwarding from an official mailbox to a foreign provider or host."""

from __future__ import annotations

from policies import replies
from policies.detect import in_vietnamese
from policies.facts import RuleFacts
from policies.rules import Hit

name = "auto-forward-abroad"
stage = "message"
reply = replies.FORWARD_ABROAD


def check(facts: RuleFacts) -> Hit | None:
    if not (facts.sender.local and facts.auto_forwarded):
        return None
    abroad = facts.foreign_recipients()
    if not abroad:
        return None
    where = ", ".join(abroad)
    why_vi = in_vietnamese(facts.auto_forward_reason)
    return Hit(
        f"Thư công vụ được tự động chuyển tiếp từ {facts.sender_address} tới dịch vụ thư "
        f"điện tử nước ngoài ({where}) đã bị chặn ({why_vi}). Hãy tắt "
        "quy tắc chuyển tiếp tự động ra hộp thư ngoài hệ thống.",
        f"Official mail automatically forwarded from {facts.sender_address} to a foreign mail "
        f"service ({where}) was stopped ({facts.auto_forward_reason}). Turn off the rule "
        "that forwards official mail to a mailbox outside the official system.",
        {"recipients": abroad},
    )
