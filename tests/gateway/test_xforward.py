"""Postfix's XFORWARD in content_filter mode: the policy judges the real client."""

from __future__ import annotations

import pytest

from gateway.xforward import XforwardError, parse
from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import wait_for
from tests.gateway.test_clients import smtp_log  # noqa: F401  (a fixture)
from tests.gateway.test_protocol import dialogue

MESSAGE = [b"MAIL FROM:<a@trongnuoc.vn>\r\n", b"RCPT TO:<b@ninhthuan.gov.vn>\r\n", b"DATA\r\n",
           b"Subject: qua Postfix\r\n\r\nx\r\n.\r\n"]  # fmt: skip


def test_attributes_are_xtext_and_unknown_values_are_left_out() -> None:
    assert parse("ADDR=IPV6:2001:db8::1 NAME=[UNAVAILABLE] HELO=mx+2Eexample") == {
        "ADDR": "2001:db8::1",
        "HELO": "mx.example",
    }
    for bad in ("", "LOGIN=x", "ADDR", "HELO=a+0Ab"):
        with pytest.raises(XforwardError):
            parse(bad)


def test_a_trusted_postfix_names_the_client_the_mail_came_from(
    tmp_path,
    peer,
    start_gateway,
    smtp_log,  # noqa: F811
) -> None:
    gw = start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))
    reply = dialogue(gw.port, [
        b"EHLO localhost\r\n",
        b"XFORWARD NAME=mail.trongnuoc.vn ADDR=203.0.113.9 PROTO=ESMTP\r\n",
        b"XFORWARD HELO=mail.trongnuoc.vn SOURCE=REMOTE\r\n",
        *MESSAGE,
        *MESSAGE,  # the next transaction is Postfix's own again: XFORWARD is per message
    ])  # fmt: skip
    assert b"250-XFORWARD NAME ADDR PROTO HELO SOURCE" in reply
    assert reply.count(b"250 2.0.0 Ok") == 2 and reply.count(b"250 2.0.0 Da nhan") == 2
    wait_for(lambda: len(smtp_log) >= 2, what="two transaction lines")
    first, second = smtp_log[:2]
    assert (first["client"], first["helo"]) == ("203.0.113.9", "mail.trongnuoc.vn")
    assert (second["client"], second["helo"]) == ("127.0.0.1", "localhost")


def test_only_trusted_clients_may_name_another(tmp_path, peer, start_gateway) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.trusted_networks = ["127.0.0.1/32"]
    gw = start_gateway(settings)
    reply = dialogue(gw.port, [b"EHLO x\r\n", b"XFORWARD ADDR=10.0.0.1\r\n"], source="127.0.0.2")
    assert b"XFORWARD" not in reply.split(b"550")[0] and b"550 5.7.0" in reply
    inside = dialogue(gw.port, [b"EHLO x\r\n", MESSAGE[0], b"XFORWARD ADDR=10.0.0.1\r\n"])
    assert b"503 5.5.1" in inside
