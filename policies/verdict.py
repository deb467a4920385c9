"""The outcome of a policy decision: what to do, which rule said so, why, and on what facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from policies import replies
from policies.replies import Reply

ActionName = Literal["accept", "tag", "quarantine", "reject", "defer"]
DEFAULT_RULE = "default"


@dataclass(frozen=True)
class Verdict:
    action: ActionName
    rule: str = DEFAULT_RULE
    reason_vi: str = "Không quy tắc nào áp dụng."
    reason_en: str = "No rule matched."
    reply: Reply = replies.OK
    notify: tuple[str, ...] = ()
    tag_header: str = ""
    subject_prefix: str = ""
    dry_run: bool = False
    would_action: str | None = None  # what a dry-run rule would have done
    facts: dict = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.rule != DEFAULT_RULE

    @property
    def refuses(self) -> bool:
        """The SMTP dialogue answers with an error (reject or defer)."""
        return self.action in ("reject", "defer")

    def smtp_reply(self, log_id: str = "") -> str:
        """One ASCII reply line from the reply table, naming the rule on refusals."""
        if self.action == "reject":
            return self.reply.line(self.rule, log_id)
        if self.action == "defer":
            return replies.DNS_DEFER.line(self.rule, log_id)
        return replies.OK.line("", log_id)

    def tag_value(self) -> str:
        """Value of the tag header: rule name and English reason, one ASCII line."""
        return replies.ascii_line(f"{self.rule}; {self.reason_en}")[:900]

    def as_dict(self) -> dict:
        data = {
            "action": self.action,
            "rule": self.rule,
            "reason": self.reason_en,
            "reason_vi": self.reason_vi,
            "notify": list(self.notify),
            "dry_run": self.dry_run,
            "facts": self.facts,
        }
        if self.would_action:
            data["would_action"] = self.would_action
        return data
