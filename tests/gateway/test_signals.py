"""`govmail serve` as admins run it: SIGHUP reloads the policy, SIGTERM finishes in-flight mail."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
from pathlib import Path

import pytest

from tests.gateway.peers import free_port, wait_for
from tests.gateway.test_crash import listening, serve

pytestmark = pytest.mark.integration

POLICY = """
[policy]
province_domains = ["ninhthuan.gov.vn"]
mx_lookup = false
{rules}
"""
REJECT_FREE_INBOUND = """
[[policy.rules]]
name = "free-foreign-inbound"
action = "reject"
"""
LETTER = (
    b"Subject: thu thu\r\nFrom: ai@gmail.com\r\nTo: vanthu@ninhthuan.gov.vn\r\n\r\nXin chao.\r\n"
)


def gateway_env(tmp_path: Path, port: int, hop_port: int, config: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("GOVMAIL_")},
        "GOVMAIL_CONFIG": str(config),
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(tmp_path / "var")),
        "GOVMAIL_SMTP__LISTEN": json.dumps([f"127.0.0.1:{port}"]),
        "GOVMAIL_SMTP__NEXT_HOP": json.dumps(f"127.0.0.1:{hop_port}"),
        "GOVMAIL_SMTP__DKIM_VERIFY": "false",
        "GOVMAIL_LOGGING__LEVEL": '"INFO"',
    }


def send(port: int) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port) as client:
        try:
            client.sendmail("ai@gmail.com", ["vanthu@ninhthuan.gov.vn"], LETTER)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code, exc.smtp_error
    return 250, b""


def test_sighup_reloads_policy_and_keeps_it_when_the_new_file_is_bad(tmp_path: Path) -> None:
    port, hop_port = free_port(), free_port()
    config = tmp_path / "govmail.toml"
    config.write_text(POLICY.format(rules=""), encoding="utf-8")
    log = tmp_path / "serve.log"
    proc = serve(gateway_env(tmp_path, port, hop_port, config), log)
    try:
        wait_for(lambda: listening(port), what="gateway start")
        assert send(port)[0] == 250  # default table: free provider inbound is only tagged

        config.write_text(POLICY.format(rules=REJECT_FREE_INBOUND), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "policy-reloaded" in log.read_text(), what="reload")
        code, text = send(port)
        assert code == 550 and b"free-foreign-inbound" in text

        config.write_text("[policy\nbroken = ", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "policy reload refused" in log.read_text(), what="refused reload")
        assert str(config) in log.read_text()  # the message names the file
        assert send(port)[0] == 550  # the policy in force stays
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_lets_the_transaction_in_flight_finish(tmp_path: Path) -> None:
    """Stopping mid-DATA: the client still gets its 250 and the message stays spooled."""
    port, hop_port = free_port(), free_port()  # nothing listens on hop_port: mail stays queued
    config = tmp_path / "govmail.toml"
    config.write_text(POLICY.format(rules=""), encoding="utf-8")
    log = tmp_path / "serve.log"
    proc = serve(gateway_env(tmp_path, port, hop_port, config), log)
    try:
        wait_for(lambda: listening(port), what="gateway start")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            reader = sock.makefile("rb")

            def reply() -> bytes:
                while (line := reader.readline()).startswith(b"250-"):
                    pass
                return line

            assert reply().startswith(b"220")
            for command, expect in (
                (b"EHLO client.example\r\n", b"250"),
                (b"MAIL FROM:<ai@gmail.com>\r\n", b"250"),
                (b"RCPT TO:<vanthu@ninhthuan.gov.vn>\r\n", b"250"),
                (b"DATA\r\n", b"354"),
            ):
                sock.sendall(command)
                assert reply().startswith(expect)
            sock.sendall(LETTER[:40])  # half a message when the stop arrives
            proc.send_signal(signal.SIGTERM)
            wait_for(lambda: '"stopping"' in log.read_text(), what="stop begins")
            sock.sendall(LETTER[40:] + b".\r\n")
            assert reply().startswith(b"250")
        assert proc.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    relay_queue = tmp_path / "var" / "spool" / "relay"
    queued = [p for p in relay_queue.iterdir() if p.is_file()]
    assert queued, f"nothing left in {relay_queue}"
    assert any(b"Xin chao." in p.read_bytes() for p in queued)
