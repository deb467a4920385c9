"""Read settings in one documented order.

Lookup order for the file: ``--config PATH``, else ``$GOVMAIL_CONFIG``, else ``./govmail.toml``,
else built-in defaults. Then ``GOVMAIL_<SECTION>__<KEY>`` environment variables override single
keys (values are read as TOML literals, so ``GOVMAIL_LIMITS__MAX_PARTS=10`` is an integer and
``GOVMAIL_SMTP__TRUSTED_NETWORKS='["10.0.0.0/8"]'`` a list; anything else is a plain string).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.errors import ConfigError, ConfigProblem
from config.settings import Settings

ENV_PREFIX = "GOVMAIL_"
ENV_CONFIG = "GOVMAIL_CONFIG"
DEFAULT_FILE = Path("govmail.toml")
# Variables that start with the prefix but are not overrides.
_NOT_OVERRIDES = {ENV_CONFIG, "GOVMAIL_TEST_DATABASE_URL"}


def resolve_config_path(
    explicit: str | Path | None, env: Mapping[str, str] | None = None
) -> Path | None:
    """Return the file to read, or None for built-in defaults."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    if DEFAULT_FILE.is_file():
        return DEFAULT_FILE
    return None


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load, override and validate. Raises ConfigError naming file, key and problem."""
    env = os.environ if env is None else env
    config_path = resolve_config_path(path, env)
    source = str(config_path) if config_path else "built-in defaults"
    data = _read_toml(config_path) if config_path else {}
    overrides = env_overrides(env)
    for dotted, value in overrides.items():
        _set_dotted(data, dotted, value)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, source, overrides)) from None
    settings.source = source
    return settings


def env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """``GOVMAIL_SECTION__KEY=value`` → ``{"section.key": value}``."""
    result: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_OVERRIDES or "__" not in name:
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if not all(parts):
            continue
        result[".".join(parts)] = _parse_env_value(raw)
    return result


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            [ConfigProblem(str(path), "", "file not found (check --config or GOVMAIL_CONFIG)")]
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            [ConfigProblem(str(path), "", "is a directory, not a TOML file")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(str(path), "", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError as exc:  # saved by an editor in Windows-1258 or TCVN3
        byte = exc.object[exc.start]
        problem = f"not UTF-8 (byte 0x{byte:02x} at offset {exc.start}): save it as UTF-8"
        raise ConfigError([ConfigProblem(str(path), "", problem)]) from None
    except OSError as exc:
        raise ConfigError([ConfigProblem(str(path), "", f"cannot read: {exc.strerror}")]) from None


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[last] = value


def _problems(
    exc: ValidationError, source: str, overrides: Mapping[str, Any]
) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config/govmail.example.toml)"
        where = source
        if key in overrides or any(key.startswith(k + ".") for k in overrides):
            env_name = ENV_PREFIX + "__".join(key.split(".")).upper()
            where = f"environment {env_name}"
        problems.append(ConfigProblem(where, key, message))
    return problems
