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
            from sqlalchemy.exc import SQLAlchemyError

            from gateway.wiring import open_archive

            try:
                self._archive = open_archive(self.settings)
            except (OSError, SQLAlchemyError) as exc:
                raise click.ClickException(cannot_open(self.settings, exc)) from None
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def cannot_open(settings: Settings, exc: Exception) -> str:
    """What an admin needs when the data dir or database cannot be opened: where, why, and
    which setting to check (not a traceback)."""
    if isinstance(exc, OSError):
        detail = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return (
        f"cannot open the archive in {settings.storage.data_dir}: {detail}\n"
        "Check [storage] data_dir and [database] url (or GOVMAIL_STORAGE__DATA_DIR, "
        "GOVMAIL_DATABASE__URL); 'govmail init' creates them."
    )


pass_app = click.make_pass_decorator(AppContext)
