"""One JSON line per SMTP transaction on ``govmail.smtp`` (piler's summary line)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger("govmail.smtp")


@dataclass
class TransactionLog:
    id: str
    client: str
    helo: str = ""
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)
    refused_rcpt: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def emit(self, outcome: str, **extra) -> None:
        entry = {
            "event": "smtp",
            "id": self.id,
            "client": self.client,
            "helo": self.helo,
            "from": self.mail_from,
            "to": self.rcpt_to,
            "outcome": outcome,
            **extra,
            "delay_ms": round((time.monotonic() - self.started) * 1000, 1),
        }
        if self.refused_rcpt:
            entry["refused"] = self.refused_rcpt
        log.info(json.dumps(entry, ensure_ascii=False, default=str))
