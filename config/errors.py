"""Configuration errors that name the file, the key path and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: where it is (file and dotted key) and what is wrong."""

    source: str
    key: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        return f"{where}: {self.problem}"


class ConfigError(Exception):
    """Raised when the configuration cannot be used; carries every problem found."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
