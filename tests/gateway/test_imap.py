"""IMAP ingestion (issue 6): pure decisions, then end to end against a real Dovecot."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
import os
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.models import (
    ImapFolderState,
    ImapSkippedMessage,
    IngestError,
    Message,
    MessageSource,
)
from cli.main import cli
from config import ConfigError, Settings, load_settings
from config.sections.imap import ImapAccount
from gateway.imap.client import Folder, parse_examine, parse_list, uid_set
from gateway.imap.fetch_response import SpoolingFetchCommand, parse_fetch
from gateway.imap.folder_names import decode, encode
from gateway.imap.folder_plan import (
    MAX_SKIP_ATTEMPTS,
    folder_direction,
    lag,
    needs_rescan,
    plan_batches,
    retry_due,
    select_folders,
    sighting_ref,
)
from gateway.imap.runner import backoff_delay, run_accounts
from gateway.wiring import open_archive
from tests.gateway.peers import wait_for
from tests.imap_peer import CuttingProxy, dovecot, make_message

SENT_VI = "Thư đã gửi"


# -- pure parts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("INBOX", "INBOX"),
        (SENT_VI, "Th&AbA- &AREA4w- g&Hu0-i"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501 5.1.3
        ("A&B", "A&-B"),
        ("Hộp thư đến/Sở TT&TT", "H&Htk-p th&AbA- &AREevw-n/S&Ht8- TT&-TT"),
    ],
)
def test_modified_utf7_both_ways(text: str, wire: str) -> None:
    assert encode(text) == wire
    assert decode(wire) == text


def test_modified_utf7_round_trips_every_vietnamese_letter() -> None:
    letters = (
        "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    )
    name = letters + letters.upper() + " & - ,/"
    assert decode(encode(name)) == name
    assert encode(name).isascii()


def test_malformed_utf7_is_kept_as_sent() -> None:
    assert decode("Bad&!!!-name") == "Bad&!!!-name"


def test_uid_set_compresses_runs() -> None:
    assert uid_set([7, 1, 2, 3, 9, 10]) == "1:3,7,9:10"
    assert uid_set([5]) == "5"


def test_batches_bounded_by_count_and_bytes() -> None:
    sizes = [(i, 100) for i in range(1, 11)] + [(11, 5000), (12, 100)]
    assert plan_batches(sizes, max_count=4, max_bytes=1000) == [
        [1, 2, 3, 4], [5, 6, 7, 8], [9, 10], [11], [12],
    ]  # fmt: skip


def _account(**kw) -> ImapAccount:
    base = {"name": "vp", "host": "127.0.0.1", "user": "u", "password": "p"}
    return ImapAccount(**(base | kw))


def test_folder_direction_and_selection() -> None:
    account = _account(
        folders_exclude=["Trash", "Lưu trữ/*"], folder_directions={"Nội bộ": "internal"}
    )
    folders = [
        Folder("Sent", frozenset({"\\Sent"}), "/"),
        Folder("Gesendet", frozenset({"\\HasNoChildren", "\\Sent"}), "/"),
        Folder(encode(SENT_VI), frozenset(), "/"),
        Folder("INBOX", frozenset(), "/"),
        Folder("Trash", frozenset(), "/"),
        Folder(encode("Lưu trữ/2023"), frozenset(), "/"),
        Folder(encode("Nội bộ"), frozenset(), "/"),
        Folder("Archive", frozenset({"\\Noselect"}), "/"),
        Folder("INBOX.Sent", frozenset(), "."),
    ]
    chosen = {p.display: p.direction for p in select_folders(folders, account)}
    assert chosen == {
        "INBOX": "inbound",
        "Sent": "outbound",
        "Gesendet": "outbound",
        SENT_VI: "outbound",
        "Nội bộ": "internal",
        "INBOX.Sent": "outbound",
    }
    assert next(iter(chosen)) == "INBOX"
    # NFD spelling and other case still count as the sent folder
    import unicodedata

    nfd = Folder(encode(unicodedata.normalize("NFD", "THƯ ĐÃ GỬI")), frozenset(), "/")
    assert folder_direction(nfd, account) == "outbound"


def test_small_decisions() -> None:
    assert needs_rescan(None, 5) is False
    assert needs_rescan(5, 5) is False
    assert needs_rescan(5, 6) is True
    assert lag(10, 21) == 10 and lag(10, None) is None and lag(30, 21) == 0
    assert [backoff_delay(n, 1, 10) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]
    ref = sighting_ref("vp", Folder(encode(SENT_VI)), 42, 7)
    assert ref == "imap://vp/Th%C6%B0%20%C4%91%C3%A3%20g%E1%BB%ADi;UIDVALIDITY=42;UID=7"


def test_skipped_messages_are_retried_less_and_less_often_then_given_up() -> None:
    failed = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    def waits(attempts: int) -> float:
        """Seconds after the last failure from which the next fetch is due."""
        return next(
            s
            for s in range(0, 10**6, 15)
            if retry_due(attempts, failed, failed + timedelta(seconds=s))
        )

    assert [waits(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_due(MAX_SKIP_ATTEMPTS - 1, failed, failed + timedelta(days=1))
    assert not retry_due(MAX_SKIP_ATTEMPTS, failed, failed + timedelta(days=365))


def test_parse_list_and_examine() -> None:
    folders = parse_list(
        [b'(\\HasNoChildren \\Sent) "/" Sent', b'(\\HasNoChildren) "/" "Th&AbA- &AREA4w- g&Hu0-i"',
         b'(\\Noselect) NIL {5}', b"A \"b", b"OK List completed"]
    )  # fmt: skip
    assert [f.display for f in folders] == ["Sent", SENT_VI, 'A "b']
    assert folders[0].flags == {"\\HasNoChildren", "\\Sent"} and not folders[2].selectable
    status = parse_examine(
        [b"FLAGS (\\Seen)", b"3 EXISTS", b"OK [UIDVALIDITY 17] ok", b"OK [UIDNEXT 9] ok"]
    )
    assert (status.uidvalidity, status.uidnext, status.exists) == (17, 9, 3)


def test_fetch_response_ignores_parentheses_inside_bodies(tmp_path: Path) -> None:
    async def feed() -> SpoolingFetchCommand:
        command = SpoolingFetchCommand(
            "A1", "1:2", "(BODY.PEEK[])", prefix="UID", spool_bytes=8, spool_dir=tmp_path
        )
        body1, body2 = b"small (", b"bigger than eight ))) bytes"
        command.append_to_resp(b"1 FETCH (UID 5 RFC822.SIZE 7 BODY[] {7}")
        command.begin_literal_data(len(body1))
        command.append_literal_data(body1)
        assert command.wait_data() is True
        command.append_to_resp(b' FLAGS (\\Seen "x)"))')
        assert command.wait_data() is False
        command.append_to_resp(b"2 FETCH (UID 6 BODY[] {%d}" % len(body2))
        rest = command.begin_literal_data(len(body2), body2[:10])
        assert rest == b"" and command.wait_literal_data()
        assert command.append_literal_data(body2[10:] + b")\r\n") == b")\r\n"
        command.append_to_resp(b")")
        return command

    command = asyncio.run(feed())
    first, second = command.messages
    assert (first.uid, first.size, first.read(), first.path) == (5, 7, b"small (", None)
    assert first.flags == ("\\Seen", '"x)"')
    assert second.uid == 6 and second.path is not None and second.path.parent == tmp_path
    assert second.read() == b"bigger than eight ))) bytes"
    second.discard()
    assert list(tmp_path.iterdir()) == []
    assert parse_fetch([b"3 FETCH (FLAGS (\\Seen))"]) is None


def test_config_errors_name_file_key_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "govmail.toml"
    path.write_text(
        '[[imap.accounts]]\nname = "vp"\nhost = "mail.example"\nuser = "u"\n'
        '[[imap.accounts]]\nname = "bad name!"\nhost = "h"\nuser = "u"\npassword = "p"\n'
        'password_file = "/nonexistent/pw"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    text = str(caught.value)
    assert f"{path}: imap.accounts.0: set exactly one of password and password_file" in text
    assert f"{path}: imap.accounts.1.name: 'bad name!' is not a usable account name" in text
    assert "imap.accounts.1.password_file: file '/nonexistent/pw' does not exist" in text


def test_duplicate_account_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "govmail.toml"
    account = '[[imap.accounts]]\nname = "vp"\nhost = "h"\nuser = "u"\npassword = "p"\n'
    path.write_text(account * 2, encoding="utf-8")
    with pytest.raises(ConfigError, match="imap: account name 'vp' is used twice"):
        load_settings(path, env={})


# -- against Dovecot -------------------------------------------------------------------
def _configure(settings: Settings, server, **account) -> ImapAccount:
    acc = ImapAccount(
        name="vanphong",
        host="127.0.0.1",
        port=server.port,
        security="none",
        user=server.user,
        password=server.password,
        poll_seconds=30,
        timeout_seconds=10,
    )
    acc = acc.model_copy(update=account)
    settings.imap.accounts = [acc]
    settings.imap.reconnect_base_seconds = 0.05
    settings.imap.reconnect_max_seconds = 0.2
    return acc


def _sync_once(settings: Settings, archive) -> list:
    return asyncio.run(run_accounts(settings, archive, once=True))


def _sightings(archive) -> Counter:
    """Folder → how many IMAP sightings (one per message in that folder)."""
    with archive.sessions() as session:
        refs = session.scalars(select(MessageSource.ref).where(MessageSource.channel == "imap"))
        return Counter(ref.split("/", 3)[3].split(";")[0] for ref in refs)


def _message_count(archive) -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.count()).select_from(Message))


def _states(archive) -> dict[str, ImapFolderState]:
    with archive.sessions() as session:
        return {decode(r.folder): r for r in session.scalars(select(ImapFolderState))}


FOLDERS = {"INBOX": 400, "Sent": 200, SENT_VI: 250, "Phòng/Tổng hợp": 150}


@pytest.mark.integration
def test_initial_sync_of_1000_messages_keeps_flags(settings: Settings) -> None:
    with dovecot() as server:
        for folder, count in FOLDERS.items():
            for n in range(count):
                server.deliver(folder, make_message(n, folder), flags="S" if n % 3 == 0 else "")
        flags_before = {f: server.flags_on_disk(f) for f in FOLDERS}
        _configure(settings, server)
        archive = open_archive(settings)
        try:
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None and outcome.stored == 1000
            from urllib.parse import quote

            assert _sightings(archive) == {quote(f, safe="/"): n for f, n in FOLDERS.items()}
            assert _message_count(archive) == 1000
            with archive.sessions() as session:
                rows = session.execute(
                    select(Message.channel, Message.direction, func.count()).group_by(
                        Message.channel, Message.direction
                    )
                ).all()
            assert sorted(rows) == [("imap", "inbound", 550), ("imap", "outbound", 450)]
            states = _states(archive)
            assert {f: (s.archived, s.last_uid, s.direction) for f, s in states.items()} == {
                f: (n, n, "outbound" if f in ("Sent", SENT_VI) else "inbound")
                for f, n in FOLDERS.items()
            }
            # a second pass finds nothing new
            [again] = _sync_once(settings, archive)
            assert again.stored == 0 and _message_count(archive) == 1000
        finally:
            archive.close()
        # read-only: not one flag changed, nothing moved from new/ to cur/
        assert {f: server.flags_on_disk(f) for f in FOLDERS} == flags_before
        check = imaplib.IMAP4("127.0.0.1", server.port)
        check.login(server.user, server.password)
        check.select(f'"{encode(SENT_VI)}"', readonly=True)
        _typ, data = check.uid("FETCH", "1:*", "(FLAGS)")
        seen = sum(b"\\Seen" in line for line in data)
        check.logout()
        assert seen == len(range(0, 250, 3))


@pytest.mark.integration
def test_message_delivered_while_idle_is_archived_within_seconds(settings: Settings) -> None:
    with dovecot() as server:
        server.deliver("INBOX", make_message(1))
        _configure(settings, server, poll_seconds=600)
        archive = open_archive(settings)
        loop = asyncio.new_event_loop()
        task = loop.create_task(run_accounts(settings, archive, once=False))

        def run() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            wait_for(lambda: _message_count(archive) == 1, what="initial import")
            wait_for(lambda: _idle_started(server), what="IDLE to start")
            server.deliver("INBOX", make_message(2, "new"), new=True)
            wait_for(lambda: _message_count(archive) == 2, timeout=15, what="new mail archived")
            wait_for(lambda: _states(archive)["INBOX"].last_uid == 2, what="position moved")
        finally:
            loop.call_soon_threadsafe(task.cancel)
            thread.join(10)
            loop.close()
            archive.close()
        assert not thread.is_alive()


def _idle_started(server) -> bool:
    """Dovecot logs nothing on IDLE; its process title says what the session does."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return any(f"[{server.user} " in line and "IDLE]" in line for line in out.splitlines())


@pytest.mark.integration
def test_uidvalidity_reset_rescans_without_duplicates(settings: Settings) -> None:
    with dovecot() as server:
        for n in range(30):
            server.deliver(SENT_VI, make_message(n, SENT_VI))
        _configure(settings, server)
        archive = open_archive(settings)
        try:
            _sync_once(settings, archive)
            before = _states(archive)[SENT_VI].uidvalidity
            server.reset_uidvalidity(SENT_VI)
            server.deliver(SENT_VI, make_message(99, SENT_VI))
            [outcome] = _sync_once(settings, archive)
            state = _states(archive)[SENT_VI]
            assert state.uidvalidity != before
            assert (state.rescans, state.archived, state.last_uid) == (1, 31, 31)
            assert _message_count(archive) == 31  # the 30 rescanned ones are not duplicated
            assert outcome.stored == 31
        finally:
            archive.close()


@pytest.mark.integration
def test_connection_cut_mid_fetch_resumes(settings: Settings) -> None:
    with dovecot() as server:
        for n in range(120):
            server.deliver("INBOX", make_message(n, size=20_000))
        proxy = CuttingProxy(server.port, cut_after=900_000)
        _configure(settings, server, port=proxy.port)
        settings.imap.batch_size = 20
        archive = open_archive(settings)
        try:
            [outcome] = _sync_once(settings, archive)
            assert proxy.cuts == 1 and proxy.connections == 2
            assert outcome.error is None
            assert _message_count(archive) == 120
            assert sum(_sightings(archive).values()) == 120  # each archived once
            state = _states(archive)["INBOX"]
            assert (state.last_uid, state.archived) == (120, 120)
            with archive.sessions() as session:
                stages = session.scalars(
                    select(IngestError.stage).where(IngestError.channel == "imap")
                )
                assert list(stages) == ["connect"]
        finally:
            proxy.close()
            archive.close()


@pytest.mark.integration
def test_unreadable_message_is_recorded_skipped_and_retried(
    settings: Settings, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: Dovecot's user must be unable to read one file")
    with dovecot() as server:
        paths = [server.deliver("INBOX", make_message(n)) for n in range(10)]
        server.deliver("INBOX", b"\x00\xff this is not a mail message\r\n")
        mode = paths[4].stat().st_mode
        paths[4].chmod(0)
        _configure(settings, server)
        archive = open_archive(settings)
        try:
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None
            assert _message_count(archive) == 10  # 9 readable + the garbage one, archived raw
            state = _states(archive)["INBOX"]
            assert (state.last_uid, state.skipped) == (11, 1)
            assert "UID 5" in state.last_error
            with archive.sessions() as session:
                errors = session.execute(
                    select(IngestError.stage, IngestError.ref).where(
                        IngestError.channel == "imap", IngestError.stage == "fetch"
                    )
                ).all()
            assert [ref.endswith(";UID=5") for _stage, ref in errors] == [True]
            [skipped] = _skipped(archive)
            assert (skipped.uid, skipped.attempts) == (5, 1)

            # A sync before the retry is due leaves it alone: no new fetch, no new error.
            _sync_once(settings, archive)
            assert [(s.uid, s.attempts) for s in _skipped(archive)] == [(5, 1)]
            assert len(_fetch_errors(archive)) == 1

            # Due and still unreadable: one more attempt, recorded.
            _age_skipped(archive, minutes=2)
            _sync_once(settings, archive)
            assert [(s.uid, s.attempts) for s in _skipped(archive)] == [(5, 2)]
            assert len(_fetch_errors(archive)) == 2
            [row] = _status_json(settings, tmp_path)["folders"]
            [waiting] = row["skipped_messages"]
            assert (row["skipped"], waiting["uid"], waiting["attempts"]) == (1, 5, 2)
            assert waiting["given_up"] is False and waiting["error"]

            # Readable again (the fault has passed): the next due sync archives it.
            paths[4].chmod(mode)
            _age_skipped(archive, minutes=5)
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None
            assert _message_count(archive) == 11
            assert _skipped(archive) == []
            state = _states(archive)["INBOX"]
            assert (state.last_uid, state.skipped, state.archived) == (11, 0, 11)
            assert sum(_sightings(archive).values()) == 11
        finally:
            archive.close()


def _status_json(settings: Settings, tmp_path: Path) -> dict:
    """``govmail imap status --json`` over the archive of ``settings``."""
    config = tmp_path / "govmail.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{settings.storage.data_dir}"\n'
        f'[database]\nurl = "{settings.database_url()}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["-c", str(config), "imap", "status", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _skipped(archive) -> list[ImapSkippedMessage]:
    with archive.sessions() as session:
        return list(session.scalars(select(ImapSkippedMessage)))


def _fetch_errors(archive) -> list[str]:
    with archive.sessions() as session:
        return list(
            session.scalars(
                select(IngestError.ref).where(
                    IngestError.channel == "imap", IngestError.stage == "fetch"
                )
            )
        )


def _age_skipped(archive, minutes: int) -> None:
    """As if the last failed fetch had been ``minutes`` ago."""
    with archive.sessions() as session, session.begin():
        for row in session.scalars(select(ImapSkippedMessage)):
            row.last_at = row.last_at - timedelta(minutes=minutes)


@pytest.mark.integration
def test_wrong_password_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    with dovecot() as server:
        config = tmp_path / "govmail.toml"
        config.write_text(
            f'[storage]\ndata_dir = "{settings.storage.data_dir}"\n'
            f'[database]\nurl = "{settings.database_url()}"\n'
            f'[[imap.accounts]]\nname = "vanphong"\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'security = "none"\nuser = "{server.user}"\npassword = "wrong"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(cli, ["-c", str(config), "imap", "sync", "--once"])
        assert result.exit_code == 1, result.output
        assert "account vanphong (127.0.0.1:" in result.output
        assert "refused user 'vanthu'" in result.output
        # status names the account that cannot sign in, and says so to scripts too
        status = CliRunner().invoke(cli, ["-c", str(config), "imap", "status"])
        assert status.exit_code == 1
        assert "vanphong" in status.output and "refused user 'vanthu'" in status.output
        as_json = CliRunner().invoke(cli, ["-c", str(config), "imap", "status", "--json"])
        problem = json.loads(as_json.stdout)["accounts"]["vanphong"]
        assert "refused user 'vanthu'" in problem["last_connection_error"]


@pytest.mark.integration
def test_starttls_and_tls_with_ca_file(settings: Settings) -> None:
    with dovecot(tls=True) as server:
        server.deliver(SENT_VI, make_message(1, SENT_VI))
        archive = open_archive(settings)
        try:
            _configure(settings, server, security="starttls", ca_file=server.ca_file)
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None and outcome.stored == 1
            _configure(settings, server, security="tls", port=server.tls_port, host="localhost")
            [untrusted] = _sync_once(settings, archive)
            assert "certificate not trusted" in untrusted.error
            _configure(
                settings, server, security="tls", port=server.tls_port, ca_file=server.ca_file,
                name="tls",
            )  # fmt: skip
            [outcome] = _sync_once(settings, archive)
            assert outcome.error is None and outcome.stored == 1
            assert sum(_sightings(archive).values()) == 2  # one message, two accounts
        finally:
            archive.close()


@pytest.mark.integration
def test_status_lists_folders(settings: Settings, tmp_path: Path) -> None:
    with dovecot() as server:
        for n in range(3):
            server.deliver("INBOX", make_message(n))
        _configure(settings, server)
        archive = open_archive(settings)
        try:
            _sync_once(settings, archive)
        finally:
            archive.close()
        [row] = _status_json(settings, tmp_path)["folders"]
        assert (row["account"], row["folder"], row["last_uid"], row["archived"]) == (
            "vanphong", "INBOX", 3, 3,
        )  # fmt: skip
        assert row["lag_messages"] == 0
