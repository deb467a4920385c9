"""What the gateway knows about a transaction, and what the rules decide on.

``EnvelopeFacts`` is all there is at RCPT time; ``MessageFacts`` adds what end of DATA
reveals (headers and an attachment summary, never extracted text). The engine derives
``RuleFacts`` from them (direction, domain classes, auto-forwarding, documents), which is
what every rule reads and what a verdict reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from policies.classify import FOREIGN, DomainClass, DomainInfo

Direction = Literal["inbound", "outbound", "internal", "transit"]
Stage = Literal["envelope", "message"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AttachmentSummary:
    filename: str | None
    declared_type: str | None
    detected_type: str | None
    size: int


@dataclass(frozen=True)
class EnvelopeFacts:
    mail_from: str
    rcpt_to: tuple[str, ...]
    client_ip: str = ""
    helo: str = ""
    authenticated: bool = False
    trusted_network: bool = False
    now: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class MessageFacts(EnvelopeFacts):
    header_from: str = ""
    subject: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[AttachmentSummary, ...] = ()
    dkim_result: str = "none"  # pass | fail | none | temperror | permerror

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def has_header(self, prefix: str) -> bool:
        prefix = prefix.lower()
        return any(key.lower().startswith(prefix) for key, _ in self.headers)


@dataclass(frozen=True)
class RuleFacts:
    """The derived facts rules decide on; ``as_dict`` is what a verdict reports."""

    stage: Stage
    direction: Direction
    sender: DomainInfo
    sender_address: str
    recipients: tuple[tuple[str, DomainInfo], ...]
    header_from: DomainInfo | None = None
    header_from_address: str = ""
    auto_forwarded: bool = False
    auto_forward_reason: str = ""
    carries_documents: bool = False
    documents_reason: str = ""
    dkim_result: str = "none"
    client_ip: str = ""
    trusted_network: bool = False
    authenticated: bool = False
    subject: str = ""
    attachment_count: int = 0
    now: datetime = field(default_factory=_now)
    unresolved_is_foreign: bool = False  # dns_failure = "closed"

    def foreign_recipients(self) -> list[str]:
        """Recipients at a free foreign provider or a foreign-hosted domain."""
        return [
            address
            for address, info in self.recipients
            if info.cls in FOREIGN
            or (self.unresolved_is_foreign and info.cls is DomainClass.UNRESOLVED)
        ]

    def as_dict(self) -> dict:
        data = {
            "stage": self.stage,
            "direction": self.direction,
            "sender": self.sender_address,
            "sender_class": self.sender.as_dict(),
            "recipients": [{"address": a, **info.as_dict()} for a, info in self.recipients],
            "client_ip": self.client_ip,
            "trusted_network": self.trusted_network,
            "authenticated": self.authenticated,
            "now": self.now.isoformat(timespec="seconds"),
        }
        if self.stage == "message":
            data.update(
                {
                    "header_from": self.header_from_address,
                    "header_from_class": self.header_from.as_dict() if self.header_from else None,
                    "auto_forwarded": self.auto_forwarded,
                    "auto_forward_reason": self.auto_forward_reason,
                    "carries_documents": self.carries_documents,
                    "documents_reason": self.documents_reason,
                    "dkim_result": self.dkim_result,
                    "subject": self.subject,
                    "attachments": self.attachment_count,
                }
            )
        return data
