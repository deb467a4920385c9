"""The SMTP gateway (issue 5)."""

from config.sections.base import Section


class SmtpSettings(Section):
    """The SMTP gateway (issue 5)."""
