"""Protocol attacks and TLS: open relay, smuggling, STARTTLS injection, policy service."""

from __future__ import annotations

import smtplib
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.gateway.conftest import gateway_settings, need
from tests.gateway.peers import wait_for


@pytest.fixture
def gw(tmp_path, peer, start_gateway):
    return start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))


def dialogue(port: int, lines: list[bytes], source: str = "127.0.0.1") -> bytes:
    """Send raw lines (pipelined), then read everything the server answers."""
    if lines[-1] != b"QUIT\r\n":
        lines = [*lines, b"QUIT\r\n"]
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.recv(1024)
        s.sendall(b"".join(lines))
        out = b""
        while chunk := s.recv(65536):  # until the server closes after QUIT
            out += chunk
    return out.removesuffix(b"221 Bye\r\n")


RELAY_MATRIX = [
    ("<user@ninhthuan.gov.vn>", True),
    ("<User@NinhThuan.GOV.VN>", True),
    ("<user@xn--ninhthun-xya.gov.vn>", False),  # another (IDN) domain
    ("<user@gmail.com>", False),
    ("<@ninhthuan.gov.vn:user@gmail.com>", False),  # source route
    ("<user%gmail.com@ninhthuan.gov.vn>", False),
    ("<gmail.com!user@ninhthuan.gov.vn>", False),
    ('<"user@gmail.com"@ninhthuan.gov.vn>', False),
    ("<user@[127.0.0.1]>", False),
    ("<user@ninhthuan.gov.vn.>", False),
    ("<user@gmail.com.>", False),
    ("<user@ninhthuan..gov.vn>", False),
    ("<user@gmail.com@ninhthuan.gov.vn>", False),
]


@pytest.mark.parametrize(("rcpt", "accepted"), RELAY_MATRIX)
def test_untrusted_client_cannot_relay(tmp_path, peer, start_gateway, rcpt, accepted) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.trusted_networks = ["10.99.0.0/16"]  # 127.0.0.1 is not trusted here
    gw = start_gateway(settings)
    reply = dialogue(
        gw.port, [b"EHLO x\r\n", b"MAIL FROM:<a@trongnuoc.vn>\r\n", f"RCPT TO:{rcpt}\r\n".encode()]
    )
    last = reply.strip().splitlines()[-1]
    assert last.startswith(b"250") is accepted, (rcpt, reply)
    if not accepted:
        assert last[:3] in (b"553", b"554")


def test_trusted_client_relays_but_odd_forms_still_refused(gw) -> None:
    ok = dialogue(gw.port, [b"EHLO x\r\n", b"MAIL FROM:<a@ninhthuan.gov.vn>\r\n",
                            b"RCPT TO:<b@trongnuoc.vn>\r\n"])  # fmt: skip
    assert ok.strip().splitlines()[-1].startswith(b"250")
    bad = dialogue(gw.port, [b"EHLO x\r\n", b"MAIL FROM:<a@ninhthuan.gov.vn>\r\n",
                             b"RCPT TO:<@x.vn:b@trongnuoc.vn>\r\n"])  # fmt: skip
    assert bad.strip().splitlines()[-1].startswith(b"553")


SMUGGLED = b"MAIL FROM:<evil@trongnuoc.vn>\r\nRCPT TO:<victim@ninhthuan.gov.vn>\r\nDATA\r\n"


@pytest.mark.parametrize(
    "ending", [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r.\n", b"\r\n.\r", b"\r\n.\n", b"\n.\r"]
)
@pytest.mark.parametrize("mode", ["normalise", "reject"])
def test_smuggling_never_makes_two_messages(tmp_path, peer, start_gateway, ending, mode) -> None:
    gw = start_gateway(
        gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}", bare_line_endings=mode)
    )
    body = b"Subject: one\r\n\r\nfirst" + ending + SMUGGLED + b"Subject: two\r\n\r\nsecond\r\n"
    reply = dialogue(
        gw.port,
        [b"EHLO x\r\n", b"MAIL FROM:<a@trongnuoc.vn>\r\n", b"RCPT TO:<b@ninhthuan.gov.vn>\r\n",
         b"DATA\r\n", body, b".\r\n", b"QUIT\r\n"],
    )  # fmt: skip
    if mode == "reject":
        assert b"554 5.6.0" in reply
        assert reply.count(b"250 2.0.0") == 0
        return
    assert reply.count(b"250 2.0.0") == 1
    wait_for(lambda: peer.messages, what="relay")
    # the next hop saw exactly one message, holding the smuggled text as content (the lone
    # "." line was dot-stuffed on the wire and unstuffed by the peer)
    assert len(peer.messages) == 1
    assert peer.messages[0].rcpt_to == ["b@ninhthuan.gov.vn"]
    data = peer.messages[0].data
    assert b"\r\nMAIL FROM:<evil@trongnuoc.vn>\r\n" in data and data.endswith(b"second\r\n")
    assert data.count(b"\r") == data.count(b"\n")


def test_size_advertised_and_enforced(tmp_path, peer, start_gateway) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.limits.max_message_bytes = 4096
    gw = start_gateway(settings)
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        code, caps = client.ehlo()
        assert b"SIZE 4096" in caps
        assert client.mail("a@trongnuoc.vn", ["SIZE=999999"])[0] == 552
        client.rset()
        client.mail("a@trongnuoc.vn")
        assert client.rcpt("b@ninhthuan.gov.vn")[0] == 250
        code, _ = client.data(b"Subject: big\r\n\r\n" + (b"x" * 98 + b"\r\n") * 80)
        assert code == 552
    assert peer.messages == []


def test_recipient_limit(tmp_path, peer, start_gateway) -> None:
    gw = start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}",
                                        max_recipients=2))  # fmt: skip
    lines = [b"EHLO x\r\n", b"MAIL FROM:<a@trongnuoc.vn>\r\n"]
    lines += [f"RCPT TO:<u{i}@ninhthuan.gov.vn>\r\n".encode() for i in range(3)]
    reply = dialogue(gw.port, lines)
    assert reply.strip().splitlines()[-1].startswith(b"452 4.5.3")


def test_connection_and_rate_limits(tmp_path, peer, start_gateway) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}",
                                max_connections_per_ip=1, max_messages_per_minute=2)  # fmt: skip
    settings.smtp.trusted_networks = ["10.99.0.0/16"]
    gw = start_gateway(settings)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as first:
        assert first.recv(1024).startswith(b"220")
        with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as second:
            assert second.recv(1024).startswith(b"421 4.7.0")
    wait_for(lambda: gw.gateway.ctx.connections.active == 0, what="session released")
    lines = [b"EHLO x\r\n"] + [b"MAIL FROM:<a@trongnuoc.vn>\r\nRSET\r\n"] * 3
    reply = dialogue(gw.port, lines)
    assert reply.count(b"250 2.1.0") == 2 and b"451 4.7.1" in reply


def test_session_deadline_stops_a_trickling_client(tmp_path, peer, start_gateway) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.session_timeout_seconds = 0.5
    gw = start_gateway(settings)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.recv(1024)
        got = b""
        for _ in range(200):  # one byte at a time, never idle long enough for a timeout
            try:
                s.sendall(b"N")
            except OSError:
                break
            s.settimeout(0.05)
            try:
                chunk = s.recv(1024)
            except TimeoutError:
                continue
            got += chunk
            if not chunk or b"421" in got:
                break
    assert b"421 4.4.2" in got


def _slow_settings(tmp_path: Path, peer):
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.data_timeout_seconds = 0.3
    settings.smtp.min_data_rate = 1000  # every 1,000 bytes received: one more second
    return settings


def _start_data(sock) -> None:
    read_reply(sock)
    for line in (b"EHLO slow.ninhthuan.gov.vn", b"MAIL FROM:<a@ninhthuan.gov.vn>",
                 b"RCPT TO:<b@ninhthuan.gov.vn>", b"DATA"):  # fmt: skip
        sock.sendall(line + b"\r\n")
        read_reply(sock)


def test_a_slow_steady_sender_outlasts_the_data_and_session_timeouts(
    tmp_path, peer, start_gateway
) -> None:
    settings = _slow_settings(tmp_path, peer)
    settings.smtp.session_timeout_seconds = 0.8
    gw = start_gateway(settings)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        _start_data(s)
        s.sendall(b"Subject: scan on a slow line\r\n\r\n")
        for _ in range(24):  # ~1.2 s in all: past both timeouts, but always moving
            s.sendall(b"x" * 998 + b"\r\n")
            time.sleep(0.05)  # the slow client (a stimulus, not a wait for the server)
        s.sendall(b".\r\n")
        assert read_reply(s).startswith(b"250 ")
    wait_for(lambda: peer.messages, what="relayed")
    assert b"scan on a slow line" in peer.messages[0].data


def test_a_stalled_sender_is_cut_off_once_its_data_is_used_up(
    tmp_path, peer, start_gateway
) -> None:
    gw = start_gateway(_slow_settings(tmp_path, peer))
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        _start_data(s)
        s.sendall(b"Subject: stalled\r\n\r\n" + b"x" * 500)  # earns half a second
        assert read_reply(s).startswith(b"421 4.4.2")
    assert not peer.messages


@pytest.fixture(scope="module")
def ca():
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


def _tls_settings(tmp_path: Path, ca, peer):
    cert = ca.issue_cert("gw.ninhthuan.gov.vn", "127.0.0.1")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.tls_cert, settings.smtp.tls_key = cert_path, key_path
    return settings


def test_starttls_with_configured_certificate(tmp_path, peer, start_gateway, ca) -> None:
    gw = start_gateway(_tls_settings(tmp_path, ca, peer))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with smtplib.SMTP("127.0.0.1", gw.port) as client:
        client.starttls(context=context)
        assert client.sock.version().startswith("TLS")
        client.sendmail("a@trongnuoc.vn", ["b@ninhthuan.gov.vn"], b"Subject: tls\r\n\r\nx\r\n")
    wait_for(lambda: peer.messages, what="relay")


def read_reply(sock) -> bytes:
    """One complete (possibly multi-line) SMTP reply."""
    data = b""
    while True:
        data += sock.recv(4096)
        lines = data.split(b"\r\n")
        if len(lines) > 1 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" ":
            return data


def test_commands_pipelined_before_starttls_are_discarded(tmp_path, peer, start_gateway, ca):
    gw = start_gateway(_tls_settings(tmp_path, ca, peer))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as raw:
        read_reply(raw)
        raw.sendall(b"EHLO x\r\n")
        read_reply(raw)
        raw.sendall(b"STARTTLS\r\nMAIL FROM:<injected@trongnuoc.vn>\r\n")
        assert read_reply(raw).startswith(b"220")
        tls = context.wrap_socket(raw, server_hostname="gw.ninhthuan.gov.vn")
        tls.sendall(b"EHLO x\r\n")
        read_reply(tls)
        tls.sendall(b"RCPT TO:<b@ninhthuan.gov.vn>\r\n")
        answer = read_reply(tls)
        tls.sendall(b"QUIT\r\n")
        tls.close()
    assert answer.startswith(b"503"), answer  # the injected MAIL FROM was thrown away


def test_policy_service_answers_postfix_requests(tmp_path, start_gateway) -> None:
    settings = gateway_settings(tmp_path)
    settings.smtp.mode = "policy_service"
    settings.smtp.policy_service_listen = "127.0.0.1:0"
    settings.policy.rules = [
        type(settings.policy.rules[0])(name="official-mail-abroad", action="reject")
    ]
    gw = start_gateway(settings)

    def ask(sender: str, recipient: str, state: str = "RCPT") -> str:
        request = (
            f"request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\n"
            f"client_address=192.0.2.7\nhelo_name=mx.example\nsender={sender}\n"
            f"recipient={recipient}\nsasl_username=\n\n"
        )
        with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
            s.sendall(request.encode() * 2)  # two requests on one connection
            data = b""
            while data.count(b"\n\n") < 2:
                data += s.recv(4096)
        first, second, _ = data.decode().split("\n\n")
        assert first == second
        return first

    refused = ask("vanthu@ninhthuan.gov.vn", "ban@gmail.com")
    assert refused.startswith("action=550 5.7.1 ") and "official-mail-abroad" in refused
    assert ask("vanthu@ninhthuan.gov.vn", "b@hanoi.gov.vn") == "action=DUNNO"
    assert ask("vanthu@ninhthuan.gov.vn", "ban@gmail.com", state="DATA") == "action=DUNNO"
    hosted = ask("vanthu@ninhthuan.gov.vn", "a@congty.vn")
    assert hosted.startswith("action=550")


def test_swaks_tls_session(tmp_path, peer, start_gateway, ca) -> None:
    swaks = need("swaks")
    gw = start_gateway(_tls_settings(tmp_path, ca, peer))
    result = subprocess.run(
        [swaks, "--server", f"127.0.0.1:{gw.port}", "--tls", "--from", "a@trongnuoc.vn",
         "--to", "b@ninhthuan.gov.vn", "--timeout", "20"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TLS started" in result.stdout
    wait_for(lambda: peer.messages, what="relay")


def test_replies_never_echo_control_characters(gw) -> None:
    """aiosmtpd quotes an unknown command in its 500 reply; what the client sent there must
    not put a CR, ESC or other control character into the reply line."""
    reply = dialogue(gw.port, [b"EHLO x\r\n", b"\x1b[2J\x1b[31mEVIL\rFAKE 250 OK\x7f\r\n"])
    last = reply.strip().split(b"\r\n")[-1]
    assert last.startswith(b"500 ") and b"EVIL" in last, reply
    assert all(32 <= byte < 127 for byte in last), last
