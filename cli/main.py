"""The ``govmail`` command: one click group, one module per command in ``cli.commands``."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from cli import commands
from cli.context import AppContext
from cli.malloc_arenas import limit_malloc_arenas

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--config",
    "-c",
    "config_path",
    metavar="PATH",
    envvar="GOVMAIL_CONFIG",
    help="Settings file (default: $GOVMAIL_CONFIG, else ./govmail.toml, else built-in).",
)
@click.option("--verbose", "-v", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="govmail", prog_name="govmail")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """govmail: mail gateway and archiver for official (…@<tỉnh>.gov.vn) mailboxes.

    \b
    Examples:
      govmail init                      create the database and blob store under var/
      govmail import ~/mail/Maildir     archive a Maildir (also .eml, .msg, mbox)
      govmail stats                     what the archive holds
      govmail show 42                   one message: headers, parts, attachments
    """
    level = {0: "WARNING", 1: "INFO"}.get(verbose, "DEBUG")
    app = AppContext(config_path=config_path, log_level=level)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    for info in pkgutil.iter_modules(commands.__path__):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            cli.add_command(command)


_register()


def main() -> None:
    limit_malloc_arenas()  # before any thread starts
    try:
        cli.main(prog_name="govmail")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
