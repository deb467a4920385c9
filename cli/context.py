"""The object every command receives in ``ctx.obj``: settings, console, the archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from rich.console import Console

from config import ConfigError, Settings, load_settings
from config.logsetup import configure_logging

if TYPE_CHECKING:
    from archive.ingest import Archive

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class ConfigProblem(click.ClickException):
    """Bad configuration: exit 2, naming file, key and problem."""

    exit_code = EXIT_USAGE

    def format_message(self) -> str:
        return f"configuration error:\n  {self.message}".replace("\n", "\n  ").replace(
            "\n  \n", "\n"
        )


@dataclass
class AppContext:
    config_path: str | None = None
    log_level: str | None = None
    console: Console = field(default_factory=lambda: Console(highlight=False))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    _settings: Settings | None = None
    _archive: Archive | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                raise ConfigProblem(str(exc)) from None
            configure_logging(self._settings, self.log_level)
        return self._settings

    def archive(self) -> Archive:
        """The archive with every ingest hook wired (extraction, index, exchange log)."""
        if self._archive is None:
            from gateway.wiring import open_archive

            self._archive = open_archive(self.settings)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


pass_app = click.make_pass_decorator(AppContext)
