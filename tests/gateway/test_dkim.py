"""DKIM with independent peers: opendkim-testmsg signs, `opendkim -t` verifies ours."""

from __future__ import annotations

import re
import smtplib
import subprocess
from pathlib import Path

import pytest

from gateway.dkim_check import DnsTemporaryError, keygen, strip_our_results, verify_dkim
from tests.gateway.conftest import gateway_settings, need
from tests.gateway.peers import wait_for

MESSAGE = (
    b"From: UBND Ha Noi <ubnd@hanoi.gov.vn>\r\nTo: vanthu@ninhthuan.gov.vn\r\n"
    b"Subject: Thong bao\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <tb-1@hanoi.gov.vn>\r\n\r\nNoi dung thong bao.\r\n"
)


def make_key(tmp_path: Path, domain: str, selector: str = "s2026") -> tuple[Path, dict]:
    path, record = keygen(domain, selector, tmp_path / "keys", bits=1024)
    txt = "".join(re.findall(r'"([^"]*)"', record))
    return path, {f"{selector}._domainkey.{domain}": txt.encode()}


def opendkim_sign(key: Path, domain: str, selector: str, raw: bytes) -> bytes:
    testmsg = need("opendkim-testmsg")
    result = subprocess.run(
        [testmsg, "-C", "-d", domain, "-s", selector, "-k", str(key)],
        input=raw, capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    assert result.stdout.startswith(b"DKIM-Signature:")
    return result.stdout


def test_opendkim_signature_verifies(tmp_path: Path) -> None:
    key, txt = make_key(tmp_path, "hanoi.gov.vn")
    signed = opendkim_sign(key, "hanoi.gov.vn", "s2026", MESSAGE)
    assert verify_dkim(signed, txt.get).result == "pass"
    assert verify_dkim(signed.replace(b"Noi dung", b"Noi dunk"), txt.get).result == "fail"
    assert verify_dkim(signed, lambda name: None).result == "permerror"  # no key published

    def silent(name: str):
        raise DnsTemporaryError("Timeout")

    assert verify_dkim(signed, silent).result == "temperror"
    assert verify_dkim(MESSAGE, txt.get).result == "none"


def test_gateway_verifies_inbound_before_changing_it(tmp_path, peer, start_gateway) -> None:
    key, txt = make_key(tmp_path, "hanoi.gov.vn")
    signed = opendkim_sign(key, "hanoi.gov.vn", "s2026", MESSAGE)
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    gw = start_gateway(settings, dkim_lookup=txt.get)
    forged_ar = b"Authentication-Results: gw.ninhthuan.gov.vn; dkim=pass header.d=evil\r\n"
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail("ubnd@hanoi.gov.vn", ["vanthu@ninhthuan.gov.vn"], forged_ar + signed)
        tampered = signed.replace(b"Noi dung", b"Noi dunk")
        client.sendmail("ubnd@hanoi.gov.vn", ["vanthu@ninhthuan.gov.vn"], tampered)
    wait_for(lambda: gw.gateway.ctx.spool.files("quarantine"), what="quarantine")
    wait_for(lambda: [m for m in peer.messages if b"Noi dung" in m.data], what="relay")
    relayed = next(m.data for m in peer.messages if b"Noi dung" in m.data)  # not the notice
    assert (
        b"Authentication-Results: gw.ninhthuan.gov.vn; dkim=pass header.d=hanoi.gov.vn" in relayed
    )
    assert b"header.d=evil" not in relayed  # the incoming one claiming our id was removed
    assert verify_dkim(relayed, txt.get).result == "pass"  # our additions kept it valid
    held = gw.gateway.ctx.spool.entries("quarantine")
    assert [e.meta.rule for e in held] == ["official-sender-dkim-fail"]


def test_outbound_is_signed_and_opendkim_verifies_it(tmp_path, peer, start_gateway) -> None:
    opendkim = need("opendkim")
    key, txt = make_key(tmp_path, "ninhthuan.gov.vn")
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    from config.sections.smtp import DkimSigningKey

    settings.smtp.dkim_sign = [
        DkimSigningKey(domain="ninhthuan.gov.vn", selector="s2026", key_file=key)
    ]
    gw = start_gateway(settings)
    outbound = MESSAGE.replace(b"UBND Ha Noi <ubnd@hanoi.gov.vn>", b"<vanthu@ninhthuan.gov.vn>")
    outbound = outbound.replace(b"To: vanthu@ninhthuan.gov.vn", b"To: ai@gmail.com")
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail("vanthu@ninhthuan.gov.vn", ["ai@gmail.com"], outbound)
    wait_for(lambda: peer.messages, what="relay")
    relayed = peer.messages[0].data
    assert relayed.startswith(b"DKIM-Signature: ")
    assert b"c=relaxed/relaxed" in relayed.split(b"\r\n\r\n")[0].replace(b"\r\n\t", b" ")
    path = tmp_path / "relayed.eml"
    path.write_bytes(relayed)
    keys = tmp_path / "testkeys"
    keys.write_text("".join(f"{name} {value.decode()}\n" for name, value in txt.items()))
    conf = tmp_path / "opendkim.conf"
    conf.write_text(f"TestPublicKeys {keys}\nSyslog no\nMode v\n")
    result = subprocess.run(
        [opendkim, "-x", str(conf), "-t", str(path)], capture_output=True, text=True, timeout=30
    )
    assert "verification (s=s2026, d=ninhthuan.gov.vn" in result.stderr + result.stdout
    assert "succeeded" in result.stderr + result.stdout, result.stderr


def test_strip_only_our_authserv_id() -> None:
    raw = (
        b"Authentication-Results: gw.example; dkim=pass\r\n"
        b"Authentication-Results: other.example;\r\n dkim=fail\r\n"
        b"Subject: x\r\n\r\nbody\r\n"
    )
    out = strip_our_results(raw, "gw.example")
    assert (
        out == b"Authentication-Results: other.example;\r\n dkim=fail\r\nSubject: x\r\n\r\nbody\r\n"
    )


def test_keygen_command_prints_the_record(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import cli

    result = CliRunner().invoke(
        cli, ["dkim", "keygen", "ninhthuan.gov.vn", "mail2026", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('mail2026._domainkey.ninhthuan.gov.vn. IN TXT ( "v=DKIM1;')
    assert '"p=' in result.stdout
    assert (tmp_path / "mail2026.ninhthuan.gov.vn.pem").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("field", [b"Subject", b"From"])
def test_header_edits_keep_signature_valid_only_for_prepends(tmp_path: Path, field) -> None:
    from gateway.headers import prefix_subject, prepend

    key, txt = make_key(tmp_path, "hanoi.gov.vn")
    signed = opendkim_sign(key, "hanoi.gov.vn", "s2026", MESSAGE)
    assert verify_dkim(prepend(signed, [("X-Test", "a\r\nBcc: evil")]), txt.get).result == "pass"
    assert b"\r\nBcc: evil" not in prepend(signed, [("X-Test", "a\r\nBcc: evil")])
    if field == b"Subject":
        assert b"Subject: [EXT] Thong bao" in prefix_subject(signed, "[EXT]")


def test_bounces_and_notices_from_a_signing_domain_are_signed(tmp_path, peer, start_gateway):
    """DSNs and policy notices come From mailer-daemon@ / the notice address of a domain
    we sign for: they are signed too, or DMARC at the receiver fails them."""
    from config.sections.smtp import DkimSigningKey
    from tests.gateway.test_flow import letter

    key, txt = make_key(tmp_path, "ninhthuan.gov.vn")
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}", archive=False)
    settings.smtp.dkim_sign = [
        DkimSigningKey(domain="ninhthuan.gov.vn", selector="s2026", key_file=key)
    ]
    peer.handler.rcpt_fail["gone@trongnuoc.vn"] = "550 5.1.1 no such user"
    gw = start_gateway(settings)
    outbound = letter("vanthu@ninhthuan.gov.vn", "gone@trongnuoc.vn")
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.sendmail("vanthu@ninhthuan.gov.vn", ["gone@trongnuoc.vn"], outbound)
        with pytest.raises(smtplib.SMTPDataError):  # documents to gmail: refused, notices
            client.sendmail(
                "vanthu@ninhthuan.gov.vn",
                ["ban@gmail.com"],
                letter("vanthu@ninhthuan.gov.vn", "ban@gmail.com", pdf=True),
            )
    wait_for(lambda: len(peer.messages) >= 3, what="bounce and two notices")
    own = [m for m in peer.messages if m.mail_from in ("", "<>")]
    assert len(own) == 3
    assert sum(b"multipart/report" in m.data for m in own) == 1
    for m in own:
        assert m.data.startswith(b"DKIM-Signature: ")
        assert verify_dkim(m.data, txt.get).passed_for("ninhthuan.gov.vn")
