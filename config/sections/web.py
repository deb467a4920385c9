"""The web interface (issue 8)."""

from config.sections.base import Section


class WebSettings(Section):
    """The web interface (issue 8)."""
