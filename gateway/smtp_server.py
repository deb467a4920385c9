"""The SMTP listener: aiosmtpd's protocol with admission control and deadlines.

aiosmtpd's ``timeout`` restarts on every line, so a client trickling a byte at a time could
hold a session for ever; here a whole-session deadline and a DATA deadline close it with a
421. Servers are created with ``loop.create_server`` (port 0 works; aiosmtpd's Controller
cannot bind it, aiosmtpd#388).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError

from aiosmtpd.smtp import MISSING, SMTP, syntax

from gateway import xforward
from gateway.context import GatewayContext
from gateway.data_reader import Received, read_data
from gateway.handler import GatewayHandler, client_ip, hook_names
from policies import replies as R

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# "<dot-atom@domain>": what get_angle_addr returns unchanged as addr_spec
_REPLY_CONTROL = re.compile("[\x00-\x1f\x7f]")
_PLAIN_PATH = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")


def _parse_path(arg: str) -> tuple[str | None, str | None]:
    """What aiosmtpd's ``_getaddr`` parses, any form: ("", "") when empty, (None, None)
    when unreadable."""
    if not arg:
        return "", ""
    try:
        if arg.lstrip().startswith("<"):
            address, rest = get_angle_addr(arg)
        else:
            address, rest = get_addr_spec(arg)
    except HeaderParseError:
        return None, None
    return address.addr_spec, rest


def data_deadline(started: float, received: int, base_seconds: float, min_rate: int) -> float:
    """When the DATA phase must end: ``base_seconds`` after it began, plus one second for
    every ``min_rate`` bytes received (Postfix's smtpd_min_data_rate); ``min_rate`` 0 keeps
    a fixed deadline."""
    return started + base_seconds + (received / min_rate if min_rate else 0.0)


class GatewaySMTP(SMTP):
    def __dir__(self) -> list[str]:
        """Only the names aiosmtpd looks up: it builds its command and AUTH tables with
        ``dir()`` and ``inspect.getmembers`` on every connection, which otherwise reads
        every attribute of the protocol object (a tenth of the SMTP path's CPU)."""
        return hook_names(type(self), ("smtp_", "auth_"))

    def __init__(self, handler: GatewayHandler, ctx: GatewayContext, **kwargs):
        super().__init__(handler, **kwargs)
        self.ctx = ctx
        self.txlog = None
        self.last_rcpt_arg = ""
        self._admitted_ip: str | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._data_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        upgrading = self._original_transport is not None  # STARTTLS on this session
        if not upgrading:
            peer = transport.get_extra_info("peername")
            ip = peer[0] if isinstance(peer, tuple) else ""
            if not self.ctx.accepting:
                self._refuse(transport, R.SHUTTING_DOWN)
                return
            if not self.ctx.connections.admit(ip):
                self._refuse(transport, R.TOO_MANY_CONNECTIONS)
                return
            self._admitted_ip = ip
            self.ctx.sessions.add(self)
            limit = self.ctx.settings.smtp.session_timeout_seconds
            self._deadline = self.loop.call_later(limit, self._expire)
        super().connection_made(transport)

    async def push(self, status) -> None:
        """Every reply on one line of printable text: aiosmtpd quotes what the client sent
        in some (``500 Error: command "..." not recognized``), control characters included."""
        if isinstance(status, str) and _REPLY_CONTROL.search(status):
            status = _REPLY_CONTROL.sub("?", status)
        await super().push(status)

    @staticmethod
    def _refuse(transport: asyncio.BaseTransport, reply) -> None:
        transport.write((reply.line() + "\r\n").encode("ascii"))  # type: ignore[attr-defined]
        transport.close()

    def connection_lost(self, error: Exception | None) -> None:
        self._log_unfinished()
        self._release()
        if self.session is not None and self._handler_coroutine is not None:
            super().connection_lost(error)

    def _set_post_data_state(self) -> None:
        """Every end of a transaction (after DATA, RSET, HELO/EHLO) comes through here."""
        self._log_unfinished()
        if self.session is not None:
            self.session.xforward = {}  # XFORWARD names the client of one transaction
        super()._set_post_data_state()

    @syntax("XFORWARD attribute=value...")
    async def smtp_XFORWARD(self, arg: str) -> None:
        if self.session is None or client_ip(self.session) not in self.ctx.trusted:
            await self.push("550 5.7.0 Error: insufficient authorization")
            return
        if self.envelope is not None and self.envelope.mail_from:
            await self.push("503 5.5.1 Error: XFORWARD not allowed inside a transaction")
            return
        try:
            found = xforward.parse(arg or "")
        except xforward.XforwardError as exc:
            await self.push(str(exc))
            return
        self.session.xforward = {**(getattr(self.session, "xforward", None) or {}), **found}
        await self.push("250 2.0.0 Ok")

    def _log_unfinished(self, outcome: str = "", **extra) -> None:
        """One log line for a transaction the DATA hook did not log: recipients refused
        (relay, policy at RCPT), a DATA limit hit, or given up by the client."""
        tx, self.txlog = getattr(self, "txlog", None), None
        if tx is not None:
            if not outcome:
                outcome = "refused" if tx.refused_rcpt and not tx.rcpt_to else "abandoned"
            tx.emit(outcome, **extra)

    def _release(self) -> None:
        if self._admitted_ip is not None:
            self.ctx.connections.release(self._admitted_ip)
            self._admitted_ip = None
        self.ctx.sessions.discard(self)
        for handle in (self._deadline, self._data_deadline):
            if handle is not None:
                handle.cancel()

    def _expire(self) -> None:
        """Whole-session or DATA deadline: say why and hang up."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write((R.SESSION_TIMEOUT.line() + "\r\n").encode("ascii"))
            self.transport.close()
        self._release()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parser for MAIL and RCPT, with a fast path for the plain
        ``<local@domain>`` that nearly all mail uses (aiosmtpd's own defines a
        ``typing.Protocol`` class on every call and runs the RFC 5322 header parser)."""
        plain = _PLAIN_PATH.match(arg or "")
        rest = arg[plain.end() :].lstrip(" \t") if plain else ""
        if plain is None or rest.startswith("("):  # a comment: the general parser
            addr, rest = _parse_path(arg)
        else:
            addr = plain.group(1)
        local_part = (addr or "").rpartition("@")[0]
        if self.local_part_limit and len(local_part) > self.local_part_limit:
            return None, None
        return addr, rest

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        self.last_rcpt_arg = arg or ""
        await super().smtp_RCPT(arg)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """DATA under its own deadline, which the bytes received push back (a 40 MB scan on
        a commune's slow line gets through; a trickle does not hold the connection). The
        session deadline stands still meanwhile."""
        received, started = Received(), self.loop.time()
        session_left = self._deadline.when() - started if self._deadline else None
        if self._deadline is not None:
            self._deadline.cancel()
        self._watch_data(started, received)
        try:
            await self._data(arg, received)
        finally:
            if self._data_deadline is not None:
                self._data_deadline.cancel()
                self._data_deadline = None
            if session_left is not None and self._admitted_ip is not None:
                self._deadline = self.loop.call_later(max(session_left, 0), self._expire)

    def _watch_data(self, started: float, received: Received) -> None:
        smtp = self.ctx.settings.smtp
        end = data_deadline(started, received.bytes, smtp.data_timeout_seconds, smtp.min_data_rate)
        now = self.loop.time()
        if now >= end:
            self._expire()
        else:
            self._data_deadline = self.loop.call_at(end, self._watch_data, started, received)

    async def _data(self, arg: str, received: Received) -> None:
        """aiosmtpd's DATA command with the data read in large pieces (``data_reader``)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            data = await read_data(
                self._reader, self.data_size_limit, self.line_length_limit, received
            )
        except asyncio.CancelledError:  # the connection went during DATA
            self._writer.close()
            raise
        if data.problem is not None:
            self._log_unfinished("refused", reason=data.problem)
            self._set_post_data_state()
            await self.push(data.problem)
            return
        self.envelope.content = self.envelope.original_content = data.content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    @property
    def idle(self) -> bool:
        """Between transactions (no MAIL given), so closing loses nothing."""
        return self.envelope is None or not self.envelope.mail_from


def tls_context(ctx: GatewayContext) -> ssl.SSLContext | None:
    smtp = ctx.settings.smtp
    if smtp.tls_cert is None or smtp.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(smtp.tls_cert), str(smtp.tls_key))
    return context


async def start_listener(
    ctx: GatewayContext, host: str, port: int, reuse_port: bool = False
) -> asyncio.AbstractServer:
    """``reuse_port``: several listener processes share the port (the kernel spreads the
    connections between them)."""
    smtp = ctx.settings.smtp
    handler = GatewayHandler(ctx)
    tls = tls_context(ctx)

    def factory() -> GatewaySMTP:
        return GatewaySMTP(
            handler,
            ctx,
            hostname=ctx.hostname,
            ident="govmail",
            data_size_limit=ctx.settings.limits.max_message_bytes,
            enable_SMTPUTF8=False,
            decode_data=False,
            tls_context=tls,
            require_starttls=smtp.require_tls,
            timeout=smtp.command_timeout_seconds,
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(factory, host=host, port=port, reuse_port=reuse_port or None)


async def close_listeners(
    ctx: GatewayContext, servers: list[asyncio.AbstractServer], grace: float
) -> None:
    """Stop accepting, let transactions in flight finish (up to ``grace``), hang up."""
    ctx.accepting = False
    for server in servers:
        server.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline and any(not s.idle for s in ctx.sessions):
        await asyncio.sleep(0.05)
    for session in list(ctx.sessions):
        if session.transport is not None and not session.transport.is_closing():
            session.transport.write((R.SHUTTING_DOWN.line() + "\r\n").encode("ascii"))
            session.transport.close()  # RFC 5321 3.8: say 421 before hanging up
    for server in servers:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=2)


def bound_port(server: asyncio.AbstractServer) -> int:
    return server.sockets[0].getsockname()[1]


__all__ = ["GatewaySMTP", "bound_port", "client_ip", "close_listeners", "start_listener"]
