from __future__ import annotations

import smtplib

from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import wait_for


def test_accepts_relays_and_archives(tmp_path, peer, start_gateway, settings) -> None:
    conf = gateway_settings(tmp_path, settings.database.url, next_hop=f"127.0.0.1:{peer.port}")
    gw = start_gateway(conf)
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail(
            "ai@trongnuoc.vn",
            ["vanthu@ninhthuan.gov.vn"],
            b"From: ai@trongnuoc.vn\r\nTo: vanthu@ninhthuan.gov.vn\r\nSubject: hi\r\n\r\nbody\r\n",
        )
    wait_for(lambda: peer.messages, what="relay")
    assert peer.messages[0].rcpt_to == ["vanthu@ninhthuan.gov.vn"]
    assert b"Authentication-Results: gw.ninhthuan.gov.vn; dkim=none" in peer.messages[0].data
