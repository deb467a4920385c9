"""The gateway end to end: real clients (swaks, smtplib), a real next hop, the archive."""

from __future__ import annotations

import json
import re
import smtplib
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.ingest import Archive
from archive.models import Message
from cli.main import cli
from tests.gateway.conftest import gateway_settings, need
from tests.gateway.peers import wait_for

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def letter(frm: str, to: str, subject: str = "Thư thử", pdf: bool = False, **extra) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    for key, value in extra.items():
        msg[key.replace("_", "-")] = value
    msg.set_content("Kính gửi anh chị.\n")
    if pdf:
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="Công văn.pdf")
    return msg.as_bytes()


def swaks(port: int, frm: str, to: str, data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "swaks.eml"
    path.write_bytes(data)
    return subprocess.run(
        [need("swaks"), "--server", f"127.0.0.1:{port}", "--from", frm, "--to", to,
         "--data", f"@{path}", "--timeout", "20"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def gw(tmp_path, peer, start_gateway, settings):
    conf = gateway_settings(tmp_path, settings.database.url, next_hop=f"127.0.0.1:{peer.port}")
    runner = start_gateway(conf)
    runner.settings = conf
    return runner


def archived(settings) -> list[tuple]:
    arch = Archive.open(settings, migrate=False)
    try:
        with arch.sessions() as s:
            return s.execute(
                select(
                    Message.subject, Message.policy_action, Message.policy_rule, Message.direction
                )
            ).all()
    finally:
        arch.close()


def test_documents_to_gmail_rejected_in_dialogue(gw, peer, tmp_path) -> None:
    data = letter("vanthu@ninhthuan.gov.vn", "ban@gmail.com", "Gửi công văn", pdf=True)
    result = swaks(gw.port, "vanthu@ninhthuan.gov.vn", "ban@gmail.com", data, tmp_path)
    assert result.returncode != 0
    assert "550 5.7.1 Khong duoc gui van ban chinh thuc" in result.stdout
    assert "[rule official-documents-abroad]" in result.stdout
    # the sender and the admin get a bilingual notice; the message itself goes nowhere
    wait_for(lambda: len(peer.messages) >= 2, what="notices")
    assert {m.rcpt_to[0] for m in peer.messages} == {
        "vanthu@ninhthuan.gov.vn",
        "postmaster@ninhthuan.gov.vn",
    }
    notice = peer.messages[0].data.decode()
    assert "official-documents-abroad" in notice and "Auto-Submitted: auto-generated" in notice
    assert all(m.mail_from in ("", "<>") for m in peer.messages)


def test_document_number_to_foreign_hosted_rejected(gw, tmp_path) -> None:
    data = letter("vanthu@ninhthuan.gov.vn", "a@congty.vn", "V/v Công văn 5985/UBND-KTN")
    result = swaks(gw.port, "vanthu@ninhthuan.gov.vn", "a@congty.vn", data, tmp_path)
    assert "550 5.7.1 " in result.stdout and "official-documents-abroad" in result.stdout


def test_auto_forward_rejected(gw, tmp_path) -> None:
    data = letter("vanthu@ninhthuan.gov.vn", "ban@yahoo.com.vn", Auto_Submitted="auto-forwarded")
    result = swaks(gw.port, "vanthu@ninhthuan.gov.vn", "ban@yahoo.com.vn", data, tmp_path)
    assert "550 5.7.1 Khong duoc tu dong chuyen tiep" in result.stdout
    assert "[rule auto-forward-abroad]" in result.stdout


def test_inbound_free_foreign_is_tagged_relayed_and_archived(gw, peer, tmp_path, settings) -> None:
    data = letter("ai@gmail.com", "vanthu@ninhthuan.gov.vn", "Xin chào")
    result = swaks(gw.port, "ai@gmail.com", "vanthu@ninhthuan.gov.vn", data, tmp_path)
    assert "250 2.0.0 Da nhan / Queued" in result.stdout, result.stdout
    wait_for(lambda: peer.messages, what="relay")
    relayed = peer.messages[0].data
    assert b"X-GovMail-Policy: free-foreign-inbound; " in relayed
    original = data.replace(b"\n", b"\r\n")
    ours, _, after = relayed.partition(original)  # prepended, never re-serialised
    assert after in (b"", b"\r\n") and ours.startswith(b"Received: from ")
    rows = wait_for(lambda: archived(settings), what="archive")
    assert rows == [("Xin chào", "tag", "free-foreign-inbound", "inbound")]


def test_forged_official_sender_quarantined_then_released(tmp_path, peer, start_gateway, settings):
    conf = gateway_settings(tmp_path, settings.database.url, next_hop=f"127.0.0.1:{peer.port}")
    gw = start_gateway(conf, dkim_lookup=lambda name: None)
    forged = (
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=hanoi.gov.vn; s=x;\r\n"
        b" h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
        + letter("UBND <ubnd@hanoi.gov.vn>", "vanthu@ninhthuan.gov.vn", "Khẩn")
    )
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail("x@attacker.example", ["vanthu@ninhthuan.gov.vn"], forged)
    env = {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(conf.storage.data_dir)),
        "GOVMAIL_DATABASE__URL": json.dumps(conf.database.url),
    }
    runner = CliRunner(env=env)
    held = json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).stdout)
    assert len(held) == 1 and held[0]["rule"] == "official-sender-dkim-fail"
    # only the admin notice went out; the message itself is held
    wait_for(lambda: peer.messages, what="admin notice")
    assert [m.rcpt_to for m in peer.messages] == [["postmaster@ninhthuan.gov.vn"]]
    shown = runner.invoke(cli, ["quarantine", "show", held[0]["id"]])
    assert "dkim=permerror" in shown.stdout
    released = runner.invoke(cli, ["quarantine", "release", held[0]["id"]])
    assert released.exit_code == 0, released.output
    wait_for(lambda: len(peer.messages) == 2, what="released message")
    assert peer.messages[1].rcpt_to == ["vanthu@ninhthuan.gov.vn"]
    assert json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).stdout) == []
    # a released entry is gone: acting on it again names it and fails
    for action in ("release", "delete"):
        again = runner.invoke(cli, ["quarantine", action, held[0]["id"]])
        assert again.exit_code == 1 and f"not found: {held[0]['id']}" in again.output
    rows = wait_for(lambda: archived(settings), what="archive")
    assert rows[0][1:3] == ("quarantine", "official-sender-dkim-fail")


def test_smtp_source_batch_is_delivered_once(gw, peer) -> None:
    smtp_source = need("smtp-source")
    subprocess.run(
        [smtp_source, "-s", "4", "-m", "40", "-l", "2000", "-f", "a@trongnuoc.vn",
         "-t", "b@ninhthuan.gov.vn", f"127.0.0.1:{gw.port}"],
        check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    wait_for(lambda: len(peer.messages) >= 40, what="40 deliveries")
    assert len(peer.messages) == 40


def test_upstream_down_then_up_delivers_once(tmp_path, start_gateway, settings) -> None:
    from tests.gateway.peers import NextHopPeer

    hop = NextHopPeer()
    port = hop.port
    hop.close()  # nothing listens there now
    conf = gateway_settings(tmp_path, settings.database.url, next_hop=f"127.0.0.1:{port}")
    gw = start_gateway(conf)
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        for i in range(3):
            client.sendmail("a@trongnuoc.vn", ["b@ninhthuan.gov.vn"], letter(
                "a@trongnuoc.vn", "b@ninhthuan.gov.vn", f"thư {i}"))  # fmt: skip
    spool = gw.gateway.ctx.spool
    wait_for(lambda: all(e.meta.attempts >= 1 for e in spool.entries("relay"))
             and len(spool.files("relay")) == 3, what="failed first attempts")  # fmt: skip
    hop = NextHopPeer(port=port)
    try:
        wait_for(lambda: len(hop.messages) >= 3, what="delivery after upstream returns")
        wait_for(lambda: not spool.files("relay"), what="relay queue empty")
        assert sorted(m.data.count(b"Subject:") for m in hop.messages) == [1, 1, 1]
        assert len(hop.messages) == 3
    finally:
        hop.close()


def test_per_recipient_temporary_and_permanent_failures(gw, peer) -> None:
    peer.handler.rcpt_fail["gone@ninhthuan.gov.vn"] = "550 5.1.1 no such user"
    peer.handler.fail_next("RCPT", "451 4.3.0 try later")  # first recipient, first attempt
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail(
            "a@trongnuoc.vn",
            ["later@ninhthuan.gov.vn", "gone@ninhthuan.gov.vn", "ok@ninhthuan.gov.vn"],
            letter("a@trongnuoc.vn", "ok@ninhthuan.gov.vn"),
        )
    wait_for(lambda: len(peer.messages) >= 3, what="deliveries and bounce")
    by_rcpt = {tuple(m.rcpt_to): m for m in peer.messages}
    assert ("ok@ninhthuan.gov.vn",) in by_rcpt  # delivered at once
    assert ("later@ninhthuan.gov.vn",) in by_rcpt  # delivered on retry
    bounce = by_rcpt[("a@trongnuoc.vn",)]
    assert bounce.mail_from in ("", "<>")
    assert b"multipart/report" in bounce.data and b"gone@ninhthuan.gov.vn" in bounce.data
    assert b"Status: 5.1.1" in bounce.data


def test_handle_exception_answers_451_with_an_id(gw, monkeypatch) -> None:
    import gateway.handler

    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(gateway.handler, "on_data", boom)
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.ehlo()
        client.mail("a@trongnuoc.vn")
        client.rcpt("b@ninhthuan.gov.vn")
        code, text = client.data(b"Subject: x\r\n\r\nbody\r\n")
    assert code == 451
    assert text.startswith(b"4.3.0 ") and b"[id " in text and b"secret" not in text


def test_content_filter_turns_reject_into_quarantine_and_notice(tmp_path, peer, start_gateway):
    """Behind Postfix (after-queue) a 550 would make Postfix bounce: hold and notify instead."""
    conf = gateway_settings(
        tmp_path,
        next_hop=f"127.0.0.1:{peer.port}",
        mode="content_filter",
        content_filter_reject="quarantine",
    )
    gw = start_gateway(conf)
    data = letter("vanthu@ninhthuan.gov.vn", "ban@gmail.com", "Gửi công văn", pdf=True)
    result = swaks(gw.port, "vanthu@ninhthuan.gov.vn", "ban@gmail.com", data, tmp_path)
    # (reply lines only: the queue id in the 250 line is a timestamp, "…055005-…" at 05:50)
    assert "<-  250 2.0.0" in result.stdout, result.stdout
    assert not re.search(r"^<(?:-|\*\*)\s+5\d\d", result.stdout, re.M), result.stdout
    wait_for(lambda: gw.gateway.ctx.spool.files("quarantine"), what="quarantine")
    assert len(list(gw.gateway.ctx.spool.entries("quarantine"))) == 1
    # the sender and the admin learn why; nothing reaches gmail
    wait_for(lambda: len(peer.messages) >= 2, what="notices")
    assert {m.rcpt_to[0] for m in peer.messages} == {
        "vanthu@ninhthuan.gov.vn",
        "postmaster@ninhthuan.gov.vn",
    }
    assert all("ban@gmail.com" not in m.rcpt_to for m in peer.messages)
    assert all(b"official-documents-abroad" in m.data for m in peer.messages)
