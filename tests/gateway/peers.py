"""Test peers: the gateway in a thread, and an aiosmtpd next hop that can be told to fail.

Both run their own event loop in a thread and bind port 0 (aiosmtpd's Controller cannot,
aiosmtpd#388), so tests talk to them with real clients on ephemeral ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.smtp import SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition"):
    """Poll ``condition`` until it is true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 60.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        async def _cancel_rest():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.run(_cancel_rest(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class PeerHandler:
    messages: list[Received] = field(default_factory=list)
    fail: dict[str, list[str]] = field(default_factory=dict)  # command -> replies to give
    rcpt_fail: dict[str, str] = field(default_factory=dict)  # recipient -> reply (always)
    max_rcpts: int = 0  # > 0: 452 for recipients beyond this many in one transaction

    def fail_next(self, command: str, reply: str) -> None:
        self.fail.setdefault(command, []).append(reply)

    def _pop(self, command: str) -> str | None:
        queue = self.fail.get(command)
        return queue.pop(0) if queue else None

    async def handle_MAIL(self, server, session, envelope, address, options):
        reply = self._pop("MAIL")
        if reply:
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        reply = self._pop("RCPT") or self.rcpt_fail.get(address)
        if not reply and self.max_rcpts and len(envelope.rcpt_tos) >= self.max_rcpts:
            reply = "452 4.5.3 Too many recipients"
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._pop("DATA")
        if reply:
            return reply
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK"


class NextHopPeer:
    """An aiosmtpd next hop on 127.0.0.1:<ephemeral>."""

    def __init__(self, port: int = 0) -> None:
        self.handler = PeerHandler()
        self.runner = LoopThread()
        self.server = None
        self.port = port
        self.sessions: list[SMTP] = []
        self.start()

    def start(self) -> None:
        async def _start():
            loop = asyncio.get_running_loop()
            return await loop.create_server(self._session, host="127.0.0.1", port=self.port)

        self.server = self.runner.run(_start())
        self.port = self.server.sockets[0].getsockname()[1]

    def _session(self) -> SMTP:
        session = SMTP(self.handler, hostname="peer.test", enable_SMTPUTF8=True)
        self.sessions.append(session)
        return session

    def hang_up(self) -> None:
        """Close every open session from this side (as an idle timeout would)."""

        async def _close():
            for session in self.sessions:
                if session.transport is not None:
                    session.transport.close()
            self.sessions.clear()

        self.runner.run(_close())

    def stop_listening(self) -> None:
        async def _stop():
            self.server.close()
            await self.server.wait_closed()

        self.runner.run(_stop())

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def close(self) -> None:
        try:
            self.stop_listening()
        finally:
            self.runner.close()


class GatewayRunner:
    """``gateway.service.Gateway`` on its own loop thread."""

    def __init__(self, settings, **kwargs) -> None:
        from gateway.service import Gateway

        self.runner = LoopThread()
        self.gateway = self.runner.run(_make(Gateway, settings, kwargs))
        self.runner.run(self.gateway.start())
        self.port = self.gateway.port
        self.stopped = False

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            self.runner.run(self.gateway.stop(grace=5))
        finally:
            self.runner.close()


async def _make(cls, settings, kwargs):
    return cls(settings, **kwargs)  # built inside the loop (asyncio objects bind to it)
