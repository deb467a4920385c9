"""Official documents sent from an official mailbox to a foreign provider or host."""

from __future__ import annotations

from policies import replies
from policies.detect import in_vietnamese
from policies.facts import RuleFacts
from policies.rules import Hit

name = "official-documents-abroad"
stage = "message"
reply = replies.DOCUMENTS_ABROAD


def check(facts: RuleFacts) -> Hit | None:
    if not (facts.sender.local and facts.carries_documents):
        return None
    abroad = facts.foreign_recipients()
    if not abroad:
        return None
    where = ", ".join(abroad)
    why_vi = in_vietnamese(facts.documents_reason)
    return Hit(
        f"Thư từ hộp thư công vụ {facts.sender_address} mang văn bản chính thức "
        f"({why_vi}) bị chặn vì gửi tới dịch vụ thư điện tử nước ngoài: {where}. "
        "Văn bản của cơ quan nhà nước phải được gửi qua hệ thống thư công vụ.",
        f"Mail from the official mailbox {facts.sender_address} carrying official documents "
        f"({facts.documents_reason}) was stopped because it goes to a foreign mail service: "
        f"{where}. Documents of state agencies must stay within the official mail system.",
        {"recipients": abroad},
    )
