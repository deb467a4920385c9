"""Logging by concern (govmail.smtp, govmail.policy, govmail.archive, govmail.error)."""

from typing import Literal

from pydantic import Field

from config.sections.base import Section


class LoggingSettings(Section):
    """Log level and format."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO")
    format: Literal["json", "text"] = Field(
        "json", description="json: one JSON object per line (for log shippers); text: plain."
    )
    file: str = Field("", description="Log file; empty: standard error.")
