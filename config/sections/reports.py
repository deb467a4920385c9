"""Agency directory and exchange reports (issue 7)."""

from config.sections.base import Section


class ReportsSettings(Section):
    """Agency directory and exchange reports (issue 7)."""
