"""Inbound mail from a free foreign provider (marked so the reader knows)."""

from __future__ import annotations

from policies import replies
from policies.classify import DomainClass
from policies.facts import RuleFacts
from policies.rules import Hit

name = "free-foreign-inbound"
stage = "message"
reply = replies.POLICY_REJECT


def check(facts: RuleFacts) -> Hit | None:
    if facts.direction != "inbound":
        return None
    for info in (facts.header_from, facts.sender):
        if info is not None and info.cls is DomainClass.FREE_FOREIGN:
            return Hit(
                f"Thư gửi từ dịch vụ thư điện tử miễn phí nước ngoài ({info.domain}), "
                "không phải hộp thư công vụ.",
                f"Mail from a free foreign mail provider ({info.domain}), not an official mailbox.",
                {"provider": info.domain},
            )
    return None
