"""Settings: one pydantic schema, one TOML file, ``GOVMAIL_*`` environment overrides."""

from config.errors import ConfigError, ConfigProblem
from config.loader import load_settings, resolve_config_path
from config.settings import Settings

__all__ = ["ConfigError", "ConfigProblem", "Settings", "load_settings", "resolve_config_path"]
