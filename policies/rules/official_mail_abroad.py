"""Any mail from an official mailbox to a foreign provider or host (envelope stage).

Not in the default table: sites that want every such message refused add it, and the
Postfix policy service then refuses it at RCPT.
"""

from __future__ import annotations

from policies import replies
from policies.facts import RuleFacts
from policies.rules import Hit

name = "official-mail-abroad"
stage = "envelope"
reply = replies.OFFICIAL_TO_FOREIGN


def check(facts: RuleFacts) -> Hit | None:
    if not facts.sender.local:
        return None
    abroad = facts.foreign_recipients()
    if not abroad:
        return None
    where = ", ".join(abroad)
    return Hit(
        f"Hộp thư công vụ {facts.sender_address} không được gửi thư tới dịch vụ thư điện tử "
        f"nước ngoài: {where}.",
        f"The official mailbox {facts.sender_address} may not send mail to a foreign mail "
        f"service: {where}.",
        {"recipients": abroad},
    )
