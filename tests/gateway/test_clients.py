"""What real MTAs send: bounces from the null sender, duplicate recipients, HELP."""

from __future__ import annotations

import contextlib
import json
import logging
import smtplib
import socket

import pytest

from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import wait_for
from tests.gateway.test_protocol import dialogue


@pytest.fixture
def gw(tmp_path, peer, start_gateway):
    return start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))


@pytest.mark.parametrize("mail", [b"MAIL FROM:<>", b"MAIL FROM: <>", b"mail from:<> SIZE=60"])
def test_null_sender_bounce_is_accepted_and_relayed(gw, peer, mail) -> None:
    """RFC 5321 4.5.5: a server must accept the null reverse-path (DSNs, MDNs)."""
    reply = dialogue(gw.port, [b"EHLO mx.trongnuoc.vn\r\n", mail + b"\r\n",
                               b"RCPT TO:<vanthu@ninhthuan.gov.vn>\r\n", b"DATA\r\n",
                               b"From: MAILER-DAEMON@trongnuoc.vn\r\nSubject: Undelivered\r\n"
                               b"\r\nkhong gui duoc\r\n.\r\n"])  # fmt: skip
    lines = reply.strip().splitlines()
    assert lines[-4].startswith(b"250 2.1.0"), reply
    assert lines[-1].startswith(b"250 2.0.0"), reply
    wait_for(lambda: peer.messages, what="the bounce at the next hop")
    assert peer.messages[0].mail_from == "<>"  # relayed with the null sender still
    assert peer.messages[0].rcpt_to == ["vanthu@ninhthuan.gov.vn"]


def test_null_sender_then_nested_mail_refused(gw) -> None:
    reply = dialogue(gw.port, [b"EHLO x\r\n", b"MAIL FROM:<>\r\n", b"MAIL FROM:<>\r\n"])
    assert reply.strip().splitlines()[-1].startswith(b"503"), reply


def test_duplicate_recipient_is_delivered_once(gw, peer) -> None:
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.ehlo("x")
        client.mail("a@trongnuoc.vn")
        for rcpt in (
            "vanthu@ninhthuan.gov.vn",
            "vanthu@ninhthuan.gov.vn",
            "vanthu@NinhThuan.gov.vn",
        ):
            assert client.rcpt(rcpt)[0] == 250
        assert client.data(b"Subject: dup\r\n\r\nx\r\n")[0] == 250
    wait_for(lambda: peer.messages, what="the message at the next hop")
    assert peer.messages[0].rcpt_to == ["vanthu@ninhthuan.gov.vn"]


def test_bare_postmaster_is_accepted_from_anyone(tmp_path, peer, start_gateway) -> None:
    """RFC 5321 4.5.1: ``RCPT TO:<Postmaster>`` without a domain MUST be supported."""
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.trusted_networks = ["10.99.0.0/16"]  # 127.0.0.1 is an outsider here
    gw = start_gateway(settings)
    reply = dialogue(gw.port, [b"EHLO x\r\n", b"MAIL FROM:<a@trongnuoc.vn>\r\n",
                               b"RCPT TO:<Postmaster>\r\n", b"DATA\r\n",
                               b"Subject: abuse\r\n\r\nx\r\n.\r\n"])  # fmt: skip
    assert reply.strip().splitlines()[-1].startswith(b"250 2.0.0"), reply
    wait_for(lambda: peer.messages, what="the message at the next hop")
    assert peer.messages[0].rcpt_to == ["postmaster@ninhthuan.gov.vn"]


def test_help_lists_rcpt_and_data(gw) -> None:
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.ehlo("x")
        listing = client.help().decode()
        assert "RCPT" in listing and "DATA" in listing
        assert client.docmd("HELP", "DATA") == (250, b"Syntax: DATA")


@pytest.fixture
def smtp_log():
    """The JSON lines the gateway writes on ``govmail.smtp`` (transactions only)."""
    lines: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(ValueError):
                entry = json.loads(record.getMessage())
                if entry.get("event") == "smtp":
                    lines.append(entry)

    handler = Keep()
    logger = logging.getLogger("govmail.smtp")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_transactions_that_never_reach_the_data_hook_are_logged(
    tmp_path, peer, start_gateway, smtp_log
) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.limits.max_message_bytes = 4096
    settings.policy.rules = [
        type(settings.policy.rules[0])(name="official-mail-abroad", action="reject")
    ]
    gw = start_gateway(settings)
    reply = dialogue(gw.port, [
        b"EHLO x\r\n", b"MAIL FROM:<vanthu@ninhthuan.gov.vn>\r\n", b"RCPT TO:<ban@gmail.com>\r\n",
        b"RSET\r\n",  # refused at RCPT by the policy, then given up
        b"MAIL FROM:<a@trongnuoc.vn>\r\n", b"RCPT TO:<b@ninhthuan.gov.vn>\r\n", b"DATA\r\n",
        b"Subject: big\r\n\r\n" + (b"x" * 98 + b"\r\n") * 80 + b".\r\n",  # over SIZE
        b"MAIL FROM:<a@trongnuoc.vn>\r\n", b"RCPT TO:<b@ninhthuan.gov.vn>\r\n",
    ])  # fmt: skip  # then QUIT without DATA
    assert b"550 5.7.1" in reply and b"552" in reply
    wait_for(lambda: len(smtp_log) >= 3, what="three transaction lines")
    policy, size, quit_ = smtp_log
    assert policy["outcome"] == "refused" and policy["to"] == []
    assert policy["refused"] == [{"rcpt": "ban@gmail.com", "rule": "official-mail-abroad"}]
    assert size["outcome"] == "refused" and size["reason"].startswith("552")
    assert quit_["outcome"] == "abandoned" and quit_["to"] == ["b@ninhthuan.gov.vn"]
    assert peer.messages == []


def test_stopping_says_421_to_connected_clients(gw) -> None:
    """RFC 5321 3.8: a server shut down says 421 before it hangs up."""
    with socket.create_connection(("127.0.0.1", gw.port), timeout=30) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(b"EHLO x\r\n")
        while reader.readline().startswith(b"250-"):
            pass
        gw.stop()
        assert reader.readline().startswith(b"421 4.3.2")
        assert reader.readline() == b""
