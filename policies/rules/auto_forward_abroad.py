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
    if not facts.auto_forwarded:
        return None
    # A forward often keeps the original envelope sender (Postfix aliases, Zimbra, Gmail-style
    # X-Forwarded-To): then it is neither from nor to our domains, and only a client we relay
    # for (our own mail server) can have sent it on.
    relayed_for_us = facts.direction == "transit" and (facts.trusted_network or facts.authenticated)
    if not (facts.sender.local or relayed_for_us):
        return None
    abroad = facts.foreign_recipients()
    if not abroad:
        return None
    where = ", ".join(abroad)
    sender = facts.sender_address or "<>"
    why_vi = in_vietnamese(facts.auto_forward_reason)
    return Hit(
        f"Thư công vụ được tự động chuyển tiếp từ {sender} tới dịch vụ thư "
        f"điện tử nước ngoài ({where}) đã bị chặn ({why_vi}). Hãy tắt "
        "quy tắc chuyển tiếp tự động ra hộp thư ngoài hệ thống.",
        f"Official mail automatically forwarded from {sender} to a foreign mail "
        f"service ({where}) was stopped ({facts.auto_forward_reason}). Turn off the rule "
        "that forwards official mail to a mailbox outside the official system.",
        {"recipients": abroad},
    )
