"""The SMTP process's own readers (DATA in large pieces, MAIL/RCPT paths) against the
aiosmtpd behaviour they replace."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest
from aiosmtpd.smtp import SMTP

from gateway.data_reader import TOO_LONG, TOO_MUCH, read_data
from gateway.smtp_server import GatewaySMTP
from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import wait_for

LINE_LIMIT = 1001


def reference(stream: bytes, size_limit: int | None) -> tuple[bytes | None, str | None, bytes]:
    """aiosmtpd 1.4.6's smtp_DATA loop over complete input: (content, problem, rest)."""
    data, num_bytes, state, pos = [], 0, None, 0
    while True:
        end = stream.find(b"\r\n", pos)
        if end < 0:
            return None, "unterminated", b""
        line = stream[pos : end + 2]
        pos = end + 2
        if line == b".\r\n":
            break
        num_bytes += len(line)
        if state is None and size_limit and num_bytes > size_limit:
            state, data = TOO_MUCH, []
        if state is None:
            if len(line) > LINE_LIMIT:
                state, data = TOO_LONG, []
            else:
                data.append(line[1:] if line.startswith(b".") else line)
    rest = stream[pos:]
    if state is not None:
        return None, state, rest
    return b"".join(data), None, rest


async def ours(stream: bytes, size_limit: int | None, chunks: list[int]):
    reader = asyncio.StreamReader(limit=LINE_LIMIT)

    async def feed() -> None:
        at = 0
        for size in chunks:
            reader.feed_data(stream[at : at + size])
            at += size
            await asyncio.sleep(0)
        reader.feed_data(stream[at:])
        reader.feed_eof()

    feeding = asyncio.create_task(feed())
    result = await read_data(reader, size_limit, LINE_LIMIT)
    await feeding
    rest = await reader.read()
    return (None if result.problem else result.content), result.problem, rest


def run(stream: bytes, size_limit: int | None = None, chunks: list[int] | None = None):
    return asyncio.run(ours(stream, size_limit, chunks or []))


@pytest.mark.parametrize(
    ("stream", "content", "rest"),
    [
        (b"a\r\nb\r\n.\r\n", b"a\r\nb\r\n", b""),
        (b".\r\n", b"", b""),  # an empty message
        (b"..x\r\n..\r\n.\r\n", b".x\r\n.\r\n", b""),  # dot-stuffing undone
        (b"Hello.\r\nWorld.\r\n.\r\nQUIT\r\n", b"Hello.\r\nWorld.\r\n", b"QUIT\r\n"),
        (b"a\n.\nb\r\n.\r\n", b"a\n.\nb\r\n", b""),  # \n.\n is not the end (smuggling)
        (b"a\r.\rb\r\n.\r\n", b"a\r.\rb\r\n", b""),
        (b"a\n.\r\nb\r\n.\r\n", b"a\n.\r\nb\r\n", b""),
        (b"a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n", b"a\r\n\nMAIL FROM:<x@y>\r\n", b""),
    ],
)
def test_ends_only_at_crlf_dot_crlf(stream: bytes, content: bytes, rest: bytes) -> None:
    assert run(stream) == (content, None, rest)
    assert reference(stream, None) == (content, None, rest)


def test_limits_answer_after_the_end_of_data() -> None:
    big = b"x" * 998 + b"\r\n"
    assert run(big * 5 + b".\r\nQUIT\r\n", size_limit=3000) == (None, TOO_MUCH, b"QUIT\r\n")
    long_line = b"y" * 1200 + b"\r\n"
    assert run(b"ok\r\n" + long_line + b".\r\nNOOP\r\n") == (None, TOO_LONG, b"NOOP\r\n")


def test_same_result_as_aiosmtpd_on_random_streams() -> None:
    rng = random.Random(7)
    atoms = [b"a", b"Xin chao", b".", b"..", b"\r\n", b"\n", b"\r", b"\r\n.", b".\r\n", b"\r\n."]
    for _ in range(400):
        body = b"".join(rng.choice(atoms) for _ in range(rng.randint(0, 60)))
        if rng.random() < 0.1:
            body += b"z" * rng.randint(900, 1100) + b"\r\n"
        stream = body + b"\r\n.\r\n" + rng.choice([b"", b"QUIT\r\n", b"MAIL FROM:<a@b>\r\n"])
        limit = rng.choice([None, 50, 500])
        chunks = [rng.randint(1, 40) for _ in range(rng.randint(0, 30))]
        expected = reference(stream, limit)
        assert run(stream, limit, chunks) == expected, (stream, limit, chunks)


def test_gateway_unstuffs_dots_and_answers_a_command_pipelined_after_the_data(
    tmp_path, peer, start_gateway
) -> None:
    gw = start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))
    with (
        socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock,
        sock.makefile("rb") as replies,
    ):

        def reply() -> bytes:
            line = replies.readline()
            while line[3:4] == b"-":
                line = replies.readline()
            return line

        assert reply().startswith(b"220")
        for command in (b"EHLO client.example", b"MAIL FROM:<ai@trongnuoc.vn>",
                        b"RCPT TO:<vanthu@ninhthuan.gov.vn>", b"DATA"):  # fmt: skip
            sock.sendall(command + b"\r\n")
            assert reply()[:1] in (b"2", b"3")
        body = b"Subject: dots\r\n\r\n..leading dot\r\n...\r\nend.\r\n"
        sock.sendall(body + b".\r\nQUIT\r\n")  # QUIT in the same packet as the end
        assert reply().startswith(b"250 ")
        assert reply().startswith(b"221")
    wait_for(lambda: peer.messages, what="relay")
    assert peer.messages[0].data.endswith(b"\r\n.leading dot\r\n..\r\nend.\r\n")


@pytest.mark.parametrize(
    "arg",
    [
        "<vanthu@ninhthuan.gov.vn>",
        "<vanthu@ninhthuan.gov.vn> SIZE=28000 BODY=8BITMIME",
        "<a.b-c+d@x.y.z>",
        "<>",
        "",
        "vanthu@ninhthuan.gov.vn",
        "<@relay.example:user@ninhthuan.gov.vn>",  # source route
        '<"quoted local"@ninhthuan.gov.vn>',
        "<user%other@ninhthuan.gov.vn>",
        "<user!other@ninhthuan.gov.vn>",
        "<a..b@ninhthuan.gov.vn>",
        "<a@[127.0.0.1]>",
        "<a@ninhthuan.gov.vn.>",
        "<" + "x" * 70 + "@ninhthuan.gov.vn>",  # local part over 64
        "<a@b",
        " <a@b.vn>",
        "<a@b.vn>\t SIZE=1",
        "<a@b.vn> (comment) SIZE=1",
    ],
)
def test_mail_and_rcpt_paths_parse_as_aiosmtpd_parses_them(arg: str) -> None:
    class Handler:
        pass

    loop = asyncio.new_event_loop()  # aiosmtpd would make one and leave it open
    try:
        reference_parser = SMTP(Handler(), loop=loop)
        ours_parser = GatewaySMTP.__new__(GatewaySMTP)
        ours_parser.local_part_limit = reference_parser.local_part_limit
        assert ours_parser._getaddr(arg) == reference_parser._getaddr(arg)
    finally:
        loop.close()
