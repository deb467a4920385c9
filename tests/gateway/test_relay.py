"""The relay against real next hops that misbehave: slow, silent, gone."""

from __future__ import annotations

import email
import email.policy
import smtplib
import subprocess

import pytest

from tests.gateway.conftest import gateway_settings, need
from tests.gateway.peers import NextHopPeer, free_port, wait_for
from tests.gateway.test_crash import listening

pytestmark = pytest.mark.integration

LETTER = b"From: a@trongnuoc.vn\r\nTo: b@ninhthuan.gov.vn\r\nSubject: %d\r\n\r\nXin chao.\r\n"


def test_stop_during_a_slow_delivery_keeps_mail_queued_unharmed(tmp_path, start_gateway):
    """A next hop that takes its time over DATA: stopping breaks the delivery off and
    starts no queued one; after a restart each message is delivered once, with no
    attempt or crash counted against it (three such restarts used to park mail in bad/)."""
    hop_port = free_port()
    sink = subprocess.Popen(  # answers DATA only after 300 s
        [need("smtp-sink"), "-u", "nobody", "-w", "300", f"127.0.0.1:{hop_port}", "10"],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: listening(hop_port), what="smtp-sink")
        conf = gateway_settings(
            tmp_path,
            next_hop=f"127.0.0.1:{hop_port}",
            relay_workers=1,
            relay_timeout_seconds=12.0,  # longer than GatewayRunner's stop grace (5 s)
            archive=False,
        )
        gw = start_gateway(conf)
        with smtplib.SMTP("127.0.0.1", gw.port) as client:
            for i in range(3):
                client.sendmail("a@trongnuoc.vn", ["b@ninhthuan.gov.vn"], LETTER % i)
        relay = gw.gateway.ctx.spool.dir("relay")
        wait_for(lambda: list(relay.glob("*.bak")), what="a delivery in flight")
        gw.stop()
    finally:
        sink.terminate()
        sink.wait(10)
    spool = gw.gateway.ctx.spool
    assert not list(relay.glob("*.bak"))
    queued = list(spool.entries("relay"))
    assert len(queued) == 3
    assert [(e.meta.attempts, e.meta.crashes) for e in queued] == [(0, 0)] * 3
    peer = NextHopPeer()
    try:
        conf.smtp.next_hop = f"127.0.0.1:{peer.port}"
        start_gateway(conf)
        wait_for(lambda: len(peer.messages) >= 3 and not spool.files("relay"), what="delivery")
        assert sorted(m.data.rsplit(b"Subject: ", 1)[1][:1] for m in peer.messages) == [
            b"0",
            b"1",
            b"2",
        ]
    finally:
        peer.close()


def test_452_too_many_recipients_sends_the_rest_in_a_new_transaction(tmp_path, start_gateway):
    """RFC 5321 4.5.3.1.10: a next hop taking two recipients per transaction gets the rest
    in further transactions at once, not after the retry backoff (an hour here)."""
    peer = NextHopPeer()
    peer.handler.max_rcpts = 2
    try:
        gw = start_gateway(
            gateway_settings(
                tmp_path,
                next_hop=f"127.0.0.1:{peer.port}",
                retry_base_seconds=3600.0,
                retry_max_seconds=3600.0,
                archive=False,
            )
        )
        rcpts = [f"u{i}@ninhthuan.gov.vn" for i in range(5)]
        with smtplib.SMTP("127.0.0.1", gw.port) as client:
            client.sendmail("a@trongnuoc.vn", rcpts, LETTER % 0)
        spool = gw.gateway.ctx.spool
        wait_for(lambda: len(peer.messages) >= 3 and not spool.files("relay"), what="all five")
        assert [m.rcpt_to for m in peer.messages] == [rcpts[0:2], rcpts[2:4], rcpts[4:]]
        assert all(m.mail_from == "a@trongnuoc.vn" for m in peer.messages)  # and no bounce
    finally:
        peer.close()


def test_queue_lifetime_runs_out_one_bounce_to_the_sender_only(tmp_path, peer, start_gateway):
    """A recipient failing temporarily until give_up_hours: one DSN to the envelope sender
    (RFC 3464, Vietnamese and English, a transient status), none for the null sender, and
    none for a DSN that itself runs out of time (no bounce loop)."""
    peer.handler.rcpt_fail["busy@ninhthuan.gov.vn"] = "451 4.2.1 mailbox busy"
    peer.handler.rcpt_fail["gone@trongnuoc.vn"] = "450 4.4.1 no answer from host"
    gw = start_gateway(
        gateway_settings(
            tmp_path,
            next_hop=f"127.0.0.1:{peer.port}",
            give_up_hours=0.0005,  # 1.8 s
            archive=False,
        )
    )
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail(
            "a@trongnuoc.vn", ["busy@ninhthuan.gov.vn", "ok@ninhthuan.gov.vn"], LETTER % 1
        )
        client.sendmail("", ["busy@ninhthuan.gov.vn"], LETTER % 2)
        client.sendmail("gone@trongnuoc.vn", ["busy@ninhthuan.gov.vn"], LETTER % 3)
    spool = gw.gateway.ctx.spool
    wait_for(
        lambda: len(peer.messages) >= 2 and not any(spool.dir("relay").iterdir()),
        what="expiry",
        timeout=60,
    )
    assert [(m.mail_from, m.rcpt_to) for m in peer.messages] == [
        ("a@trongnuoc.vn", ["ok@ninhthuan.gov.vn"]),
        ("<>", ["a@trongnuoc.vn"]),
    ]
    dsn = email.message_from_bytes(peer.messages[1].data, policy=email.policy.default)
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert dsn["To"] == "a@trongnuoc.vn"
    text, status, headers = dsn.get_payload()
    assert "không gửi được" in text.get_content() and "could not be delivered" in text.get_content()
    assert status.get_content_type() == "message/delivery-status"
    per_message, per_rcpt = status.get_payload()
    assert per_message["Reporting-MTA"] == "dns; gw.ninhthuan.gov.vn"
    assert per_rcpt["Final-Recipient"] == "rfc822; busy@ninhthuan.gov.vn"
    assert per_rcpt["Action"] == "failed"
    assert per_rcpt["Status"] == "4.2.1"  # transient: the queue lifetime ran out
    assert per_rcpt["Diagnostic-Code"] == "smtp; 451 4.2.1 mailbox busy"
    assert headers.get_content_type() == "text/rfc822-headers"
    assert "ok@ninhthuan.gov.vn" not in status.as_string()
