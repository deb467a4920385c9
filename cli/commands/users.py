"""govmail users …"""

from __future__ import annotations

import click
from rich.table import Table

from cli.context import AppContext, pass_app
from cli.output import print_json


@click.group("users")
def command() -> None:
    """Manage the web interface's accounts (roles: user, clerk, auditor, admin).

    \b
    Examples:
      govmail users add an.nv --role user --mailbox an.nv@ninhthuan.gov.vn
      govmail users add vanthu --role clerk --agency ninhthuan.gov.vn
      govmail users list
      govmail users disable an.nv
    """


def _password(value: str | None) -> str:
    if value:
        return value
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@command.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["user", "clerk", "auditor", "admin"]),
    required=True,
    help="What the account may see and do.",
)
@click.option("--mailbox", help="user: the address whose mail they read.")
@click.option("--agency", help="clerk: the agency code or mail domain whose mail they read.")
@click.option("--name", "display_name", help="Display name.")
@click.option(
    "--password",
    envvar="GOVMAIL_NEW_PASSWORD",
    help="Password (else asked; or $GOVMAIL_NEW_PASSWORD).",
)
@pass_app
def add(
    app: AppContext,
    username: str,
    role: str,
    mailbox: str | None,
    agency: str | None,
    display_name: str | None,
    password: str | None,
) -> None:
    """Add a local account (argon2-hashed password).

    \b
    Examples:
      govmail users add kiemtoan --role auditor
      GOVMAIL_NEW_PASSWORD=… govmail users add admin --role admin
    """
    from web.accounts import AccountError, NewUser, add_user

    new = NewUser(username, role, _password(password), display_name, mailbox, agency)
    archive = app.archive()
    try:
        with archive.sessions() as session, session.begin():
            add_user(session, new)
    except AccountError as exc:
        raise click.UsageError(str(exc)) from None
    _audit(app, "user-add", username)
    app.console.print(f"added {username} ({role})")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """List accounts.

    \b
    Examples:
      govmail users list
      govmail users list --json
    """
    from web.accounts import list_users

    with app.archive().sessions() as session:
        users = [
            {
                "username": u.username,
                "role": u.role,
                "mailbox": u.mailbox,
                "agency": u.agency,
                "source": u.source,
                "disabled": u.disabled,
                "last_login": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in list_users(session)
        ]
    if as_json:
        print_json(users)
        return
    table = Table(title="Accounts")
    for col in ("user", "role", "mailbox / agency", "source", "state", "last sign-in"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u["username"],
            u["role"],
            u["mailbox"] or u["agency"] or "",
            u["source"],
            "disabled" if u["disabled"] else "active",
            u["last_login"] or "",
        )
    app.console.print(table)


@command.command("disable")
@click.argument("username")
@pass_app
def disable(app: AppContext, username: str) -> None:
    """Disable an account (its sessions end at once).

    \b
    Examples:
      govmail users disable an.nv
    """
    _set_disabled(app, username, True)


@command.command("enable")
@click.argument("username")
@pass_app
def enable(app: AppContext, username: str) -> None:
    """Enable a disabled account again.

    \b
    Examples:
      govmail users enable an.nv
    """
    _set_disabled(app, username, False)


def _set_disabled(app: AppContext, username: str, disabled: bool) -> None:
    from web.accounts import AccountError, set_disabled

    try:
        with app.archive().sessions() as session, session.begin():
            set_disabled(session, username, disabled)
    except AccountError as exc:
        raise click.UsageError(str(exc)) from None
    _audit(app, "user-disable", username, "disabled" if disabled else "enabled")
    app.console.print(f"{username}: {'disabled' if disabled else 'enabled'}")


@command.command("passwd")
@click.argument("username")
@click.option(
    "--password",
    envvar="GOVMAIL_NEW_PASSWORD",
    help="New password (else asked; or $GOVMAIL_NEW_PASSWORD).",
)
@pass_app
def passwd(app: AppContext, username: str, password: str | None) -> None:
    """Set a local account's password (clears its failed sign-ins).

    \b
    Examples:
      govmail users passwd an.nv
    """
    from web.accounts import AccountError, set_password

    try:
        with app.archive().sessions() as session, session.begin():
            set_password(session, username, _password(password))
    except AccountError as exc:
        raise click.UsageError(str(exc)) from None
    _audit(app, "user-password", username)
    app.console.print(f"{username}: password changed")


def _audit(app: AppContext, action: str, target: str, detail: str | None = None) -> None:
    import getpass

    from web import audit

    audit.record(
        app.archive().sessions,
        action,
        username=f"cli:{getpass.getuser()}",
        target=target,
        client="cli",
        detail=detail,
    )
