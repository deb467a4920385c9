"""What an IT admin meets: spool and quarantine damage and ids, DKIM keys, serve start-up,
logging of client-controlled text, interrupted reindex."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from config import ConfigError, Settings, load_settings
from config.logsetup import configure_logging
from gateway.context import open_spool
from gateway.spool import SpoolEntry, SpoolMeta, new_id
from tests.conftest import cli_env

RAW = b"From: a@gmail.com\r\nTo: b@ninhthuan.gov.vn\r\nSubject: x\r\n\r\nbody\r\n"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(tmp_path / "var")),
        "GOVMAIL_POLICY__MX_LOOKUP": "false",
        **extra,
    }


def _settings(tmp_path: Path) -> Settings:
    return load_settings(None, env=_env(tmp_path))


def _hold(settings: Settings, entry_id: str | None = None) -> str:
    meta = SpoolMeta(
        id=entry_id or new_id(),
        mail_from="a@ninhthuan.gov.vn",
        rcpt_to=["b@gmail.com"],
        action="quarantine",
        rule="official-sender-dkim-fail",
    )
    open_spool(settings).put(SpoolEntry(meta, RAW), "quarantine")
    return meta.id


# -- ids are whole ids ------------------------------------------------------------------
def test_quarantine_delete_with_part_of_an_id_deletes_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    held = _hold(settings, "20261124153000-1a2b3c4d5e6f")
    runner = CliRunner(env=_env(tmp_path))
    for partial in ("2026", "1a2b3c4d5e6f", "20261124153000-1a2b3c4d5e6"):
        result = runner.invoke(cli, ["quarantine", "delete", partial])
        assert result.exit_code == 1, result.output
        assert f"not found: {partial}" in result.output
    result = runner.invoke(cli, ["quarantine", "show", "", "--json"])
    assert result.exit_code == 1
    listed = json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).stdout)
    assert [row["id"] for row in listed] == [held]
    assert runner.invoke(cli, ["quarantine", "delete", held]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).stdout) == []


def test_quarantine_output_never_carries_the_senders_control_characters(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    meta = SpoolMeta(
        id=new_id(),
        mail_from="a@gmail.com",
        rcpt_to=["b@ninhthuan.gov.vn"],
        action="quarantine",
        subject="Công văn \x1b]0;owned\x07\x1b[2J[bold red]GIẢ[/]",
    )
    raw = b"Subject: \x1b[2Jx\r\nX-Evil: \x9b31m\r\n\r\nbody\r\n"
    open_spool(settings).put(SpoolEntry(meta, raw), "quarantine")
    runner = CliRunner(env=_env(tmp_path, COLUMNS="250"))
    for args in (["quarantine", "list"], ["quarantine", "show", meta.id]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\x9b" not in result.output
        assert "[bold red]GIẢ[/]" in result.output  # shown as text, not as rich markup
    data = json.loads(runner.invoke(cli, ["quarantine", "show", meta.id, "--json"]).stdout)
    assert data["subject"] == meta.subject  # --json keeps the exact value


# -- a damaged spool ----------------------------------------------------------------------
def test_damaged_quarantine_file_is_reported_and_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    good = _hold(settings)
    spool = open_spool(settings)
    bad_id = "20261124153000-ffffffffffff"
    bad = spool.dir("quarantine") / f"{bad_id}.msg"
    bad.write_bytes(b'GMSPOOL1 {"id":"' + bad_id.encode() + b'","bogus":1}\n' + RAW)
    runner = CliRunner(env=_env(tmp_path))

    listed = runner.invoke(cli, ["quarantine", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [row["id"] for row in json.loads(listed.stdout)] == [good]
    assert "damaged" in listed.stderr and bad_id in listed.stderr

    shown = runner.invoke(cli, ["quarantine", "show", bad_id])
    assert shown.exit_code == 1 and "damaged spool file" in shown.output
    assert not isinstance(shown.exception, TypeError)

    released = runner.invoke(cli, ["quarantine", "release", bad_id])
    assert released.exit_code == 1 and "damaged" in released.output
    assert bad.read_bytes().endswith(RAW)  # still held, under its own name (not .bak)
    assert sorted(p.name for p in spool.dir("quarantine").iterdir()) == sorted(
        [f"{good}.msg", f"{bad_id}.msg"]
    )


def test_spool_list_and_requeue_survive_damaged_files(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    spool = open_spool(settings)
    half = spool.dir("relay") / "0000000000-20261124153000-aaaaaaaaaaaa.msg"
    half.write_bytes(b'GMSPOOL1 {"id": "20261124153000-aaaaaaaaaaaa", "mail_fr')
    (spool.dir("relay") / "stray.msg").write_bytes(b"junk")
    (spool.dir("bad") / "20261124153000-bbbbbbbbbbbb.msg").write_bytes(b"GMSPOOL1 [1, 2]\nx")
    (spool.dir("bad") / "0000000000-20261124153000-cccccccccccc.unreadable").write_bytes(b"x")
    runner = CliRunner(env=_env(tmp_path))

    result = runner.invoke(cli, ["spool", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"counts", "messages", "damaged"}
    assert data["messages"] == []
    damaged = sorted(Path(d["file"]).name for d in data["damaged"])
    assert damaged == sorted(
        [
            half.name,
            "stray.msg",
            "20261124153000-bbbbbbbbbbbb.msg",
            "0000000000-20261124153000-cccccccccccc.unreadable",
        ]
    )
    human = runner.invoke(cli, ["spool", "list"])
    assert human.exit_code == 0 and human.stderr.count("(kept)") == 4

    requeue = runner.invoke(cli, ["spool", "requeue", "20261124153000-bbbbbbbbbbbb"])
    assert requeue.exit_code == 1 and "damaged" in requeue.output
    assert (spool.dir("bad") / "20261124153000-bbbbbbbbbbbb.msg").exists()
    everything = runner.invoke(cli, ["spool", "requeue", "--all"])
    assert everything.exit_code == 0 and "nothing parked" in everything.output


def test_recover_on_a_damaged_spool_starts_and_loses_nothing(tmp_path: Path) -> None:
    spool = open_spool(_settings(tmp_path))
    (spool.dir("relay") / "stray.msg").write_bytes(b"junk")
    bak = spool.dir("quarantine") / "20261124153000-dddddddddddd.bak"
    bak.write_bytes(b'GMSPOOL1 {"id":"20261124153000-dddddddddddd","bogus":1}\n' + RAW)
    assert spool.files("relay", due_before=10**10) == []  # a name govmail did not write
    counts = spool.recover()
    assert counts == {"recovered": 0, "parked": 1}
    parked = spool.dir("bad") / "20261124153000-dddddddddddd.unreadable"
    assert parked.read_bytes().endswith(RAW)
    assert (spool.dir("relay") / "stray.msg").exists()


# -- DKIM keys ------------------------------------------------------------------------------
def test_dkim_keygen_never_overwrites_and_checks_names(tmp_path: Path) -> None:
    runner = CliRunner(env=_env(tmp_path))
    keys = tmp_path / "keys"
    args = ["dkim", "keygen", "ninhthuan.gov.vn", "mail2026", "--dir", str(keys), "--bits", "1024"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    key = keys / "mail2026.ninhthuan.gov.vn.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    before = key.read_bytes()

    again = runner.invoke(cli, args)
    assert again.exit_code == 1 and "exists already" in again.output
    assert key.read_bytes() == before
    forced = runner.invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert key.read_bytes() != before and key.stat().st_mode & 0o777 == 0o600

    for domain, selector, word in (
        ("ninhthuan.gov.vn", "../../evil", "selector"),
        ("ninhthuan.gov.vn", "bad sel", "selector"),
        ("not a domain", "s1", "domain"),
    ):
        bad = runner.invoke(cli, ["dkim", "keygen", domain, selector, "--dir", str(keys)])
        assert bad.exit_code == 2 and word in bad.output, bad.output
    assert sorted(p.name for p in keys.iterdir()) == ["mail2026.ninhthuan.gov.vn.pem"]
    assert not list(tmp_path.glob("evil*"))


def test_unusable_dkim_key_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    from gateway.context import load_signers

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    config = tmp_path / "govmail.toml"
    config.write_text(
        "[[smtp.dkim_sign]]\n"
        'domain = "ninhthuan.gov.vn"\nselector = "s1"\n'
        f'key_file = "{tmp_path / "missing.pem"}"\n'
        "[[smtp.dkim_sign]]\n"
        'domain = "ninhthuan.gov.vn"\nselector = "s2"\n'
        f'key_file = "{garbage}"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_signers(load_settings(config, env=_env(tmp_path)))
    text = str(caught.value)
    assert "smtp.dkim_sign.0.key_file: cannot read" in text
    assert "smtp.dkim_sign.1.key_file" in text and "not an unencrypted PEM" in text

    runner = CliRunner(env=_env(tmp_path))
    result = runner.invoke(cli, ["--config", str(config), "serve", "--listen", "127.0.0.1:0"])
    assert result.exit_code == 2, result.output
    assert f"{config}: smtp.dkim_sign.0.key_file: cannot read" in result.output
    assert "Traceback" not in result.output


# -- serve ----------------------------------------------------------------------------------
@pytest.fixture
def quiet_logging() -> Iterator[None]:
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate)
        for name in ("govmail", "mail.log")
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def test_serve_on_a_port_in_use_says_so(tmp_path: Path, quiet_logging) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(
            tmp_path,
            GOVMAIL_SMTP__WORKER_PROCESSES="false",
            GOVMAIL_LOGGING__FILE=json.dumps(str(tmp_path / "gw.log")),
        )
        result = CliRunner(env=env).invoke(cli, ["serve", "--listen", f"127.0.0.1:{port}"])
    assert result.exit_code == 1, result.output
    assert f"cannot start the gateway on 127.0.0.1:{port}" in result.output
    assert "address already in use" in result.output
    assert not isinstance(result.exception, OSError)


# -- logging --------------------------------------------------------------------------------
HOSTILE = "\x1b[2J\x1b[31mEVIL\rOK\n2026-01-01 00:00:00 INFO govmail.smtp fake\x85\x9b1m\u2028x"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_aiosmtpd_warnings_go_to_the_log_file_without_control_characters(
    tmp_path: Path, fmt: str, quiet_logging
) -> None:
    log_file = tmp_path / "gw.log"
    settings = load_settings(
        None,
        env={
            "GOVMAIL_LOGGING__FILE": json.dumps(str(log_file)),
            "GOVMAIL_LOGGING__FORMAT": json.dumps(fmt),
        },
    )
    configure_logging(settings, "INFO")
    library = logging.getLogger("mail.log")
    library.info("%r >> %r", ("127.0.0.1", 1), b"every client line")  # too chatty: not kept
    library.warning("%r unrecognised: %s", ("127.0.0.1", 1), HOSTILE)
    logging.getLogger("govmail.error").warning('{"level": "%s", "event": "x"}', "forged")
    for handler in logging.getLogger("govmail").handlers:
        handler.flush()

    text = log_file.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2, text
    for ch in ("\x1b", "\r", "\x85", "\x9b", "\u2028"):
        assert ch not in text
    assert "every client line" not in text
    if fmt == "json":
        first, second = (json.loads(line) for line in lines)
        assert (first["logger"], first["level"]) == ("mail.log", "WARNING")
        assert "unrecognised: \x1b[2J" in first["msg"] and "\n2026-01-01" in first["msg"]
        assert (second["level"], second["logger"]) == ("WARNING", "govmail.error")
        assert "forged" in second["msg"]
    else:
        assert lines[0].split(" ", 4)[2:4] == ["WARNING", "mail.log"]
        assert "unrecognised: \\x1b[2J\\x1b[31mEVIL\\x0dOK\\x0a2026-01-01" in lines[0]


# -- reindex interrupted --------------------------------------------------------------------
def test_interrupted_reindex_keeps_what_it_indexed(settings: Settings, tmp_path: Path) -> None:
    from gateway.wiring import open_archive
    from search.service import SearchService
    from tests.test_search_conformance import mail

    folder = tmp_path / "mail"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.eml").write_bytes(mail(f"Công văn {n}", f"Nội dung {n}."))
    env = cli_env(settings)
    assert CliRunner(env=env).invoke(cli, ["import", str(folder)]).exit_code == 0
    settings.search.batch_size = 1
    settings.search.workers = 1

    def stop_after_one(n: int) -> None:
        raise KeyboardInterrupt

    archive = open_archive(settings)
    service = SearchService(settings, archive)
    try:
        with pytest.raises(KeyboardInterrupt):
            service.reindex(progress=stop_after_one)
    finally:
        service.close()
        archive.close()
    archive = open_archive(settings)
    service = SearchService(settings, archive)
    try:
        assert len(service.engine.all_ids()) == 1
        report = service.check()
        assert len(report.missing) == 2 and not report.extra
    finally:
        service.close()
        archive.close()


def test_released_mail_gets_the_whole_queue_lifetime(tmp_path: Path) -> None:
    """Held six days for an admin, then released: its first 4xx must not bounce it."""
    from gateway import quarantine
    from gateway.spool import queue_expired

    settings = _settings(tmp_path)
    spool = open_spool(settings)
    held = _hold(settings)
    path = spool.find("quarantine", held)
    entry = spool.read(path)
    entry.meta.received_at = time.time() - 6 * 24 * 3600
    path.unlink()
    spool.put(entry, "quarantine")
    assert queue_expired(entry.meta, time.time(), settings.smtp.give_up_hours)
    assert quarantine.release(settings, held)
    (released,) = list(spool.entries("relay"))
    assert released.meta.received_at == entry.meta.received_at  # still shown as it was
    assert not queue_expired(released.meta, time.time(), settings.smtp.give_up_hours)
