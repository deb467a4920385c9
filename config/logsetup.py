"""Logging by concern, configured in one place.

Loggers: ``govmail.smtp`` (transactions), ``govmail.policy`` (verdicts), ``govmail.archive``
(ingest), ``govmail.error`` (anything that needs an admin's eye). One line per event.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from config.settings import Settings


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        message = record.getMessage()
        if message.startswith("{"):
            try:
                entry.update(json.loads(message))
            except ValueError:
                entry["msg"] = message
        else:
            entry["msg"] = message
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Route govmail's loggers to the configured file or stderr."""
    handler: logging.Handler
    if settings.logging.file:
        handler = logging.FileHandler(settings.logging.file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    if settings.logging.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("govmail")
    root.handlers[:] = [handler]
    root.setLevel(level or settings.logging.level)
    root.propagate = False
