"""Policy rules: one small module each, found by the registry.

A rule module has ``name`` (kebab-case, equal to the module name with ``-`` for ``_``),
``stage`` ("envelope": decidable at RCPT; "message": needs headers/attachments), ``reply``
(its entry in ``policies.replies``) and ``check(facts) -> Hit | None``. A rule never
raises to decide: it returns a hit with its reason or None.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from policies.facts import RuleFacts
from policies.replies import Reply


@dataclass(frozen=True)
class Hit:
    """Why a rule matched: full Vietnamese text (with diacritics) and English."""

    reason_vi: str
    reason_en: str
    details: dict = field(default_factory=dict)


class Rule(Protocol):
    name: str
    stage: str
    reply: Reply

    def check(self, facts: RuleFacts) -> Hit | None: ...


class DuplicateRule(ValueError):
    pass


class Registry:
    """Rules by name; adding a second rule with a known name is an error."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        if rule.name in self._rules:
            raise DuplicateRule(f"duplicate rule name {rule.name!r}")
        self._rules[rule.name] = rule

    def add_all(self, rules: Iterable[Rule]) -> None:
        for rule in rules:
            self.add(rule)

    def get(self, name: str) -> Rule | None:
        return self._rules.get(name)

    def names(self) -> list[str]:
        return sorted(self._rules)

    def __contains__(self, name: str) -> bool:
        return name in self._rules


def _modules() -> list[ModuleType]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        expected = info.name.replace("_", "-")
        if getattr(module, "name", None) != expected:
            raise ValueError(f"rule module {info.name} must set name = {expected!r}")
        found.append(module)
    return found


def default_registry() -> Registry:
    """Every rule module shipped in this package."""
    registry = Registry()
    registry.add_all(_modules())  # type: ignore[arg-type]
    return registry
