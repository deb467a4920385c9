"""Full-text search (issue 4)."""

from config.sections.base import Section


class SearchSettings(Section):
    """Full-text search (issue 4)."""
