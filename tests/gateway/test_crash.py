"""kill -9 of `govmail serve` after 250, then restart: delivered once, archived once."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.ingest import Archive
from archive.models import Message, MessageSource
from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import NextHopPeer, free_port, wait_for

pytestmark = pytest.mark.integration


def serve(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve"],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return s.recv(100).startswith(b"220")
    except OSError:
        return False


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def worker_kind(pid: int) -> str:
    """``python -m gateway.worker_main KIND`` → KIND."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return argv[argv.index(b"gateway.worker_main") + 1].decode()


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status  # a zombie has exited; only its parent has not reaped it


def test_kill_9_after_250_then_restart(tmp_path: Path, settings) -> None:
    port, hop_port = free_port(), free_port()
    conf = gateway_settings(tmp_path, settings.database.url)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GOVMAIL_")},
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(conf.storage.data_dir)),
        "GOVMAIL_DATABASE__URL": json.dumps(conf.database_url()),
        "GOVMAIL_SMTP__LISTEN": json.dumps([f"127.0.0.1:{port}"]),
        "GOVMAIL_SMTP__NEXT_HOP": json.dumps(f"127.0.0.1:{hop_port}"),
        "GOVMAIL_SMTP__RETRY_BASE_SECONDS": "0.2",
        "GOVMAIL_SMTP__RETRY_MAX_SECONDS": "0.5",
        "GOVMAIL_POLICY__MX_LOOKUP": "false",
        "GOVMAIL_SMTP__DKIM_VERIFY": "false",
    }
    log = tmp_path / "serve.log"
    first = serve(env, log)
    try:
        wait_for(lambda: listening(port), what="gateway start")
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(5):
                body = f"Subject: crash {i}\r\nMessage-ID: <c{i}@x>\r\n\r\nbody {i}\r\n"
                client.sendmail("a@trongnuoc.vn", ["b@ninhthuan.gov.vn"], body.encode())
        workers = children(first.pid)
        extra_smtp = min(os.cpu_count() or 1, 8) - 1  # the default: one SMTP process per core
        assert sorted(worker_kind(pid) for pid in workers) == sorted(
            ["relay", "archive"] + ["listener"] * extra_smtp
        )
        first.send_signal(signal.SIGKILL)  # right after the last 250
        first.wait(10)
        # their pipe closed: they finish what they hold and go, before the restart recovers
        wait_for(lambda: not any(alive(pid) for pid in workers), what="workers gone")
    finally:
        if first.poll() is None:
            first.kill()
    hop = NextHopPeer(port=hop_port)
    second = serve(env, log)
    try:
        wait_for(lambda: len(hop.messages) >= 5, timeout=60, what="delivery after restart")
        spool = conf.smtp.spool_dir or conf.storage.data_dir / "spool"
        wait_for(lambda: not list((spool / "relay").iterdir()), what="relay queue empty")
        wait_for(lambda: not list((spool / "archive").iterdir()), what="archive queue empty")
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if second.poll() is None:
            second.kill()
        hop.close()
    subjects = sorted(m.data.split(b"Subject: ")[1].split(b"\r\n")[0] for m in hop.messages)
    assert subjects == [f"crash {i}".encode() for i in range(5)]
    arch = Archive.open(conf, migrate=False)
    try:
        with arch.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Message)) == 5
            assert s.scalar(select(func.count()).select_from(MessageSource)) == 5
    finally:
        arch.close()
