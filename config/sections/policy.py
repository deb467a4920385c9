"""The official-mail policy (issue 5)."""

from config.sections.base import Section


class PolicySettings(Section):
    """The official-mail policy (issue 5)."""
