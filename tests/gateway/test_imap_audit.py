"""IMAP ingestion as an admin migrating real mailboxes meets it, against a real Dovecot:
sign-in details, ``imap status`` exit codes and the counts a sync reports."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from config import Settings
from gateway.imap.runner import run_accounts
from gateway.wiring import open_archive
from tests.gateway.test_imap import SENT_VI, _configure, _message_count, _states, _sync_once
from tests.imap_peer import CuttingProxy, dovecot, make_message


def _config(settings: Settings, tmp_path: Path, server, **account: str) -> Path:
    """A govmail.toml with one account ``vanphong`` on ``server`` (plain IMAP)."""
    lines = [
        f'[storage]\ndata_dir = "{settings.storage.data_dir}"',
        f'[database]\nurl = "{settings.database_url()}"',
        "[imap]\nreconnect_base_seconds = 0.05\nreconnect_max_seconds = 0.1",
        f'[[imap.accounts]]\nname = "vanphong"\nhost = "127.0.0.1"\nport = {server.port}',
        'security = "none"',
        *(f"{key} = {json.dumps(value)}" for key, value in account.items()),
    ]
    config = tmp_path / "govmail.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@pytest.mark.integration
def test_user_name_with_a_space_signs_in(settings: Settings) -> None:
    # aioimaplib sends the user name as a bare atom: "van thu" was a syntax error (BAD)
    # that govmail reported as a refused password (Exchange's DOMAIN\user, a backslash
    # in an atom, is the same case; Dovecot's passwd-file cannot hold such a user).
    with dovecot(user="van thu") as server:
        # Dovecot's default auth_username_chars refuses a space; servers that take one
        # exist, so allow every character.
        with server.conf.open("a", encoding="utf-8") as conf:
            conf.write("auth_username_chars =\n")
        server.stop()
        server.start()
        server.deliver("INBOX", make_message(1))
        _configure(settings, server)
        archive = open_archive(settings)
        try:
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None
            assert outcome.stored == 1 and _message_count(archive) == 1
        finally:
            archive.close()


@pytest.mark.integration
def test_empty_password_file_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    # An empty password_file crashed the whole sync with an IndexError traceback.
    password_file = tmp_path / "imap-vanphong.pw"
    password_file.write_text("", encoding="utf-8")
    with dovecot() as server:
        config = _config(
            settings, tmp_path, server, user=server.user, password_file=str(password_file)
        )
        result = CliRunner().invoke(cli, ["-c", str(config), "imap", "sync", "--once"])
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)  # no traceback
        assert "account vanphong (127.0.0.1:" in result.output
        assert f"cannot read password_file {password_file}: it is empty" in " ".join(
            result.output.split()
        )
        status = CliRunner().invoke(cli, ["-c", str(config), "imap", "status", "--json"])
        problem = json.loads(status.stdout)["accounts"]["vanphong"]
        assert "it is empty" in problem["last_connection_error"]


@pytest.mark.integration
def test_status_exits_1_while_an_account_that_synced_before_cannot_sign_in(
    settings: Settings, tmp_path: Path
) -> None:
    # README: until the account syncs again, `imap status` names it with the error and
    # exits 1. Once the account had folders it printed the error but exited 0.
    with dovecot() as server:
        server.deliver("INBOX", make_message(1))
        good = _config(settings, tmp_path, server, user=server.user, password=server.password)
        runner = CliRunner()
        assert runner.invoke(cli, ["-c", str(good), "imap", "sync", "--once"]).exit_code == 0

        bad = _config(settings, tmp_path, server, user=server.user, password="sai-mat-khau")
        assert runner.invoke(cli, ["-c", str(bad), "imap", "sync", "--once"]).exit_code == 1
        status = runner.invoke(cli, ["-c", str(bad), "imap", "status"])
        assert status.exit_code == 1, status.output
        assert "vanphong" in status.output and "refused user 'vanthu'" in status.output
        as_json = runner.invoke(cli, ["-c", str(bad), "imap", "status", "--json"])
        assert as_json.exit_code == 1
        data = json.loads(as_json.stdout)
        assert "refused user 'vanthu'" in data["accounts"]["vanphong"]["last_connection_error"]
        assert [(f["folder"], f["archived"]) for f in data["folders"]] == [("INBOX", 1)]
        # A mistyped account is a usage error, not "no IMAP folder synced yet".
        for args in (["vanphng"], ["vanphng", "--json"]):
            typo = runner.invoke(cli, ["-c", str(bad), "imap", "status", *args])
            assert typo.exit_code == 2 and "no account 'vanphng'" in typo.output

        # Signed in again: the account is healthy, status says so.
        good = _config(settings, tmp_path, server, user=server.user, password=server.password)
        assert runner.invoke(cli, ["-c", str(good), "imap", "sync", "--once"]).exit_code == 0
        assert runner.invoke(cli, ["-c", str(good), "imap", "status"]).exit_code == 0
        healthy = runner.invoke(cli, ["-c", str(good), "imap", "status", "--json"])
        assert healthy.exit_code == 0 and json.loads(healthy.stdout)["accounts"] == {}


@pytest.mark.integration
def test_count_reported_after_a_lost_connection_includes_batches_before_it(
    settings: Settings,
) -> None:
    # The batches committed before the connection dropped were archived but left out of
    # the count (`vanphong: N messages archived`).
    with dovecot() as server:
        for n in range(60):
            server.deliver("INBOX", make_message(n, size=20_000))
        proxy = CuttingProxy(server.port, cut_after=700_000)
        _configure(settings, server, port=proxy.port)
        settings.imap.batch_size = 10
        archive = open_archive(settings)
        try:
            [outcome] = _sync_once(settings, archive)
            assert proxy.cuts == 1 and proxy.connections == 2
            assert outcome.error is None
            assert _message_count(archive) == 60
            assert _states(archive)["INBOX"].archived == 60
            assert outcome.stored == 60
        finally:
            proxy.close()
            archive.close()


@pytest.mark.integration
def test_progress_bars_survive_a_folder_with_new_mail_on_a_later_pass(
    settings: Settings,
) -> None:
    # `govmail imap sync` (no --once) draws a new bar each time a folder has new mail,
    # removing the folder's old one; finishing the new bar then looked its task id up as
    # an index and crashed the sync with an IndexError.
    from rich.console import Console
    from rich.progress import Progress

    from cli.commands.imap import _BarObserver

    with dovecot() as server:
        server.deliver("INBOX", make_message(1))
        server.deliver(SENT_VI, make_message(1, SENT_VI))
        _configure(settings, server)
        archive = open_archive(settings)
        console = Console(file=io.StringIO(), width=100)
        try:
            with Progress(console=console) as progress:
                observer = _BarObserver(progress, console)
                for n in (2, 3, None):  # three passes of one long-running sync
                    [outcome] = asyncio.run(
                        run_accounts(settings, archive, once=True, observer=observer)
                    )
                    assert outcome.error is None
                    if n is not None:
                        server.deliver("INBOX", make_message(n))
                bars = {t.description: (t.completed, t.total) for t in progress.tasks}
            assert bars == {"vanphong/INBOX": (1, 1), f"vanphong/{SENT_VI}": (1, 1)}
            assert _message_count(archive) == 4
        finally:
            archive.close()
