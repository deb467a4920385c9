"""Read the policy: the [policy] section of the settings, or its own TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from config import ConfigError, ConfigProblem, Settings
from config.sections.policy import PolicySettings


def policy_settings(settings: Settings | PolicySettings) -> tuple[PolicySettings, str]:
    """The policy in force and where it came from (for error messages)."""
    policy = settings.policy if isinstance(settings, Settings) else settings
    source = settings.source if isinstance(settings, Settings) else "policy settings"
    if policy.file is None:
        return policy, source
    return read_policy_file(policy.file), str(policy.file)


def read_policy_file(path: Path) -> PolicySettings:
    """A policy file: a [policy] table or top-level keys. Errors name file, key, problem."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(str(path), "", "policy file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(str(path), "", f"not valid TOML: {exc}")]) from None
    except OSError as exc:
        raise ConfigError([ConfigProblem(str(path), "", f"cannot read: {exc}")]) from None
    section = data.get("policy", data)
    if not isinstance(section, dict):
        raise ConfigError([ConfigProblem(str(path), "policy", "must be a table")])
    section = {k: v for k, v in section.items() if k != "file"}
    try:
        return PolicySettings.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, str(path), "policy")) from None


def validation_problems(exc: ValidationError, source: str, prefix: str) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        key = ".".join([prefix, *(str(p) for p in error["loc"])])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config/govmail.example.toml)"
        problems.append(ConfigProblem(source, key, message))
    return problems
