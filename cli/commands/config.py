"""govmail config …"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from cli.context import EXIT_USAGE, AppContext, pass_app
from cli.output import print_json


@click.group("config")
def command() -> None:
    """Check and show settings.

    \b
    Examples:
      govmail config check
      govmail config check /etc/govmail/govmail.toml
      govmail config show --json
    """


@command.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the resolved settings as JSON.")
@pass_app
def check(app: AppContext, path: Path | None, as_json: bool) -> None:
    """Validate a settings file (default: the one govmail would use) and print the result.

    Exit 2 with file, key and problem when it is not valid.

    \b
    Examples:
      govmail config check
      govmail config check govmail.toml
    """
    from config import ConfigError, load_settings

    try:
        settings = load_settings(path or app.config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(EXIT_USAGE) from None
    _show(app, settings, as_json)
    if not as_json:
        app.err.print(f"[green]ok[/green]: {escape(str(settings.source))}")


@command.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def show(app: AppContext, as_json: bool) -> None:
    """Print the resolved settings (file + environment + defaults).

    \b
    Examples:
      govmail config show
    """
    _show(app, app.settings, as_json)


def _show(app: AppContext, settings, as_json: bool) -> None:
    data = json.loads(settings.model_dump_json())
    if as_json:
        print_json(data)
        return
    app.console.print(f"# settings from {escape(str(settings.source))}")
    for section, values in data.items():
        app.console.print(f"[bold]\\[{section}][/bold]")
        for key, value in (values or {}).items():
            app.console.print(escape(f"{key} = {json.dumps(value, ensure_ascii=False)}"))
