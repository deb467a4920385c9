"""Logging by concern, configured in one place.

Loggers: ``govmail.smtp`` (transactions), ``govmail.policy`` (verdicts), ``govmail.archive``
(ingest), ``govmail.error`` (anything that needs an admin's eye). One line per event.
aiosmtpd's own logger (``mail.log``: unrecognised commands, bogus clients) goes to the same
place in the same format, at WARNING and above (its INFO lines echo every client command).

Log lines carry text that clients chose (commands, addresses, subjects): every control
character (C0, DEL, C1, line and paragraph separators) is written as an escape, so a client
can neither drive the terminal of whoever reads the log nor start a line of its own.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from config.settings import Settings

# aiosmtpd's logger; its warnings quote what the client sent.
LIBRARY_LOGGERS = ("mail.log",)
_FIXED = ("ts", "level", "logger")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# what json.dumps(ensure_ascii=False) leaves raw: DEL, C1 and the separators
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` on one line with every control character escaped (``\\x1b``, ``\\x0a``…)."""
    return _CONTROL.sub(_escape, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        message = record.getMessage()
        fields = _own_json(record)
        if fields is not None:
            # govmail's own events (json.dumps of a dict): their keys, never ours replaced
            entry.update({k: v for k, v in fields.items() if k not in _FIXED})
        else:
            entry["msg"] = message
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        line = json.dumps(entry, ensure_ascii=False)
        return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def _own_json(record: logging.LogRecord) -> dict | None:
    """The fields of a govmail event logged as ``log.info(json.dumps({...}))``; None for
    anything else (a message with arguments, a library's message): that stays text."""
    if record.args or not record.name.startswith("govmail") or not isinstance(record.msg, str):
        return None
    if not record.msg.startswith("{"):
        return None
    try:
        fields = json.loads(record.msg)
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None


class TextFormatter(logging.Formatter):
    """Plain lines; the message is cleaned of control characters (tracebacks are ours)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = clean(record.message)
        return super().formatMessage(record)


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Route govmail's loggers (and aiosmtpd's) to the configured file or stderr."""
    handler: logging.Handler
    if settings.logging.file:
        handler = logging.FileHandler(settings.logging.file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    if settings.logging.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("govmail")
    for name in ("govmail", *LIBRARY_LOGGERS):
        for old in logging.getLogger(name).handlers:
            old.close()  # configured again (serve, a worker): the old log file is let go
    root.handlers[:] = [handler]
    root.setLevel(level or settings.logging.level)
    root.propagate = False
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = [handler]
        library.setLevel(max(logging.WARNING, root.level))
        library.propagate = False
