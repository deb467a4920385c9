"""A read-only IMAP connection over aioimaplib: connect (TLS, STARTTLS or plain), LIST,
EXAMINE, batched ``UID FETCH`` with ``BODY.PEEK[]``, IDLE.

Nothing here can change a mailbox: folders are opened with EXAMINE (read-only, so the
server itself refuses flag changes) and bodies are fetched with BODY.PEEK, which never sets
``\\Seen``. aioimaplib lacks a STARTTLS helper, an EXAMINE that enters the selected state,
failing pending commands when the connection drops and a non-recursive response parser;
``_Protocol`` and this class supply them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aioimaplib import aioimaplib

from config.sections.imap import ImapAccount
from gateway.imap.errors import (
    ImapCommandFailed,
    ImapConnectionLost,
    ImapLoginFailed,
    ImapTlsError,
    translated,
)
from gateway.imap.fetch_response import FetchedMessage, SpoolingFetchCommand
from gateway.imap.folder_names import decode

log = logging.getLogger("govmail.imap")

FETCH_ITEMS = "(UID RFC822.SIZE BODY.PEEK[])"


@dataclass(frozen=True)
class Folder:
    """A folder as LIST returned it: the wire name, its flags and hierarchy delimiter."""

    name: str  # modified UTF-7, for commands
    flags: frozenset[str] = frozenset()
    delimiter: str | None = None

    @property
    def display(self) -> str:
        return decode(self.name)

    @property
    def selectable(self) -> bool:
        return not {"\\noselect", "\\nonexistent"} & {f.lower() for f in self.flags}


@dataclass(frozen=True)
class MailboxStatus:
    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass
class FetchResult:
    """What one UID FETCH returned; ``failed`` holds the server's NO/BAD text, if any."""

    messages: list[FetchedMessage] = field(default_factory=list)
    failed: str | None = None


class _Protocol(aioimaplib.IMAP4ClientProtocol):
    def _handle_responses(self, data, line_handler, current_cmd=None) -> None:
        # The library recurses once per response line, which overflows the stack on a
        # network read holding many small lines; the same logic as a loop.
        while True:
            if not data:
                if self.pending_sync_command is not None:
                    self.pending_sync_command.flush()
                if current_cmd is not None and current_cmd.wait_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
                return
            if current_cmd is not None and current_cmd.wait_literal_data():
                data = current_cmd.append_literal_data(data)
                if current_cmd.wait_literal_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
            line, separator, data = data.partition(aioimaplib.CRLF)
            if not separator:
                raise aioimaplib.IncompleteRead(current_cmd, line)
            cmd = line_handler(line, current_cmd)
            literal = aioimaplib.literal_data_re.match(line)
            if literal:
                if cmd is None:
                    cmd = aioimaplib.Command("NIL", "unused")
                cmd.begin_literal_data(int(literal.group("size")))
                current_cmd = cmd
            elif cmd is not None and cmd.wait_data():
                current_cmd = cmd
            else:
                current_cmd = None

    def connection_lost(self, exc: Exception | None) -> None:
        # The library leaves pending commands waiting for their timeout; fail them now.
        super().connection_lost(exc)
        error = aioimaplib.Abort(f"connection lost: {exc or 'closed by the server'}")
        pending = [self.pending_sync_command, *self.pending_async_commands.values()]
        for command in pending:
            if command is not None and not command._event.is_set():
                command._exception = error
                command.close(b"connection lost", "KO")
        self.state = aioimaplib.LOGOUT


class _Imap4(aioimaplib.IMAP4):
    def create_client(self, host, port, loop, conn_lost_cb=None, ssl_context=None) -> None:
        loop = loop or asyncio.get_running_loop()
        self.protocol = _Protocol(loop, conn_lost_cb)
        self._client_task = loop.create_task(
            loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )


def tls_context(account: ImapAccount) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(account.ca_file) if account.ca_file else None)
    if not account.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class ImapClient:
    """One authenticated, read-only session with one account's server."""

    def __init__(self, account: ImapAccount, spool_bytes: int, spool_dir: Path | None):
        self.account = account
        self.spool_bytes = spool_bytes
        self.spool_dir = spool_dir
        self.timeout = account.timeout_seconds
        self._imap: _Imap4 | None = None
        self.selected: str | None = None

    @property
    def where(self) -> str:
        return f"account {self.account.name} ({self.account.host}:{self.account.effective_port})"

    @property
    def protocol(self) -> _Protocol:
        assert self._imap is not None, "not connected"
        return self._imap.protocol

    def has_capability(self, name: str) -> bool:
        return name.upper() in {c.upper() for c in self.protocol.capabilities}

    # -- session -----------------------------------------------------------------------
    async def connect(self) -> None:
        account = self.account
        context = tls_context(account) if account.security != "none" else None
        with translated(f"{self.where}: connect"):
            self._imap = _Imap4(
                account.host,
                account.effective_port,
                timeout=self.timeout,
                ssl_context=context if account.security == "tls" else None,
            )
            await self._imap.wait_hello_from_server()
            if account.security == "starttls":
                await self._starttls(context)
        await self._login()

    async def _starttls(self, context: ssl.SSLContext) -> None:
        proto = self.protocol
        if not self.has_capability("STARTTLS"):
            raise ImapTlsError(f"{self.where}: the server does not offer STARTTLS")
        response = await self._execute(aioimaplib.Command("STARTTLS", proto.new_tag()))
        if response.result != "OK":
            raise ImapTlsError(f"{self.where}: STARTTLS refused: {_text(response)}")
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(
            proto.transport, proto, context, server_hostname=self.account.host
        )
        proto.transport = transport
        await asyncio.wait_for(proto.capability(), self.timeout)  # RFC 3501 6.2.1

    def _password(self) -> str:
        """The account's password; an unreadable or empty password_file is a sign-in
        failure naming the account and the file (retrying will not help)."""
        account = self.account
        try:
            return account.read_password()
        except IndexError:  # no first line
            reason = "it is empty"
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
        raise ImapLoginFailed(
            f"{self.where}: cannot read password_file {account.password_file}: {reason}"
        )

    async def _login(self) -> None:
        account = self.account
        password = self._password()
        with translated(f"{self.where}: login"):
            # aioimaplib sends the user name bare: quote it, or a name with a space or a
            # backslash (Exchange's DOMAIN\user) is a syntax error, reported as a refusal.
            response = await self._imap.login(aioimaplib.quoted(account.user), password)
            if response.result != "OK":
                raise ImapLoginFailed(
                    f"{self.where}: the server refused user {account.user!r}: "
                    f"{_text(response)} (check user and password or password_file)"
                )
            await asyncio.wait_for(self.protocol.capability(), self.timeout)

    async def close(self) -> None:
        """Log out politely when possible; always drop the connection."""
        if self._imap is None:
            return
        imap, self._imap = self._imap, None
        if imap.protocol.state not in (aioimaplib.LOGOUT, aioimaplib.STARTED):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(imap.protocol.logout(), 5)
        # The connection is opened in the background (aioimaplib): one still being made
        # when we give up must not complete later and be left open.
        connecting = imap._client_task
        if not connecting.done():
            connecting.cancel()
            await asyncio.wait([connecting], timeout=5)
        if connecting.done() and not connecting.cancelled() and connecting.exception() is None:
            connecting.result()[0].close()
        transport = imap.protocol.transport
        if transport is not None:
            transport.close()

    # -- commands ----------------------------------------------------------------------
    async def _execute(self, command: aioimaplib.Command, timeout: float | None = None):
        with translated(f"{self.where}: {command.name}"):
            return await asyncio.wait_for(self.protocol.execute(command), timeout or self.timeout)

    async def list_folders(self) -> list[Folder]:
        proto = self.protocol
        response = await self._execute(aioimaplib.Command("LIST", proto.new_tag(), '""', '"*"'))
        if response.result != "OK":
            raise ImapCommandFailed(f"{self.where}: LIST failed: {_text(response)}")
        return parse_list(response.lines[:-1])

    async def examine(self, folder: str) -> MailboxStatus:
        """Open ``folder`` read-only (EXAMINE) and read UIDVALIDITY, UIDNEXT, EXISTS."""
        proto = self.protocol
        command = aioimaplib.Command("EXAMINE", proto.new_tag(), aioimaplib.quoted(folder))
        response = await self._execute(command)
        if response.result != "OK":
            raise ImapCommandFailed(f"{self.where}: EXAMINE {decode(folder)}: {_text(response)}")
        # aioimaplib moves to SELECTED only on SELECT; EXAMINE selects read-only.
        proto.state = aioimaplib.SELECTED
        self.selected = folder
        status = parse_examine(response.lines)
        if status is None:
            raise ImapCommandFailed(f"{self.where}: EXAMINE {decode(folder)}: no UIDVALIDITY")
        return status

    async def uid_sizes(self, first_uid: int, sizes: bool = True) -> list[tuple[int, int]]:
        """(UID, size) of every message from ``first_uid`` on, ascending (sizes 0 when
        ``sizes`` is false)."""
        result = await self._fetch(f"{first_uid}:*", "(UID RFC822.SIZE)" if sizes else "(UID)")
        if result.failed:
            raise ImapCommandFailed(f"{self.where}: UID FETCH sizes: {result.failed}")
        pairs = {(m.uid, m.size or 0) for m in result.messages if m.uid >= first_uid}
        return sorted(pairs)

    async def fetch(self, uids: Sequence[int]) -> FetchResult:
        """Bodies of ``uids`` (BODY.PEEK[]: no flag changes); big ones in spool files."""
        return await self._fetch(uid_set(uids), FETCH_ITEMS)

    async def _fetch(self, uids: str, items: str) -> FetchResult:
        proto = self.protocol
        command = SpoolingFetchCommand(
            proto.new_tag(),
            uids,
            items,
            prefix="UID",
            loop=proto.loop,
            timeout=self.timeout,
            spool_bytes=self.spool_bytes,
            spool_dir=self.spool_dir,
        )
        try:
            with translated(f"{self.where}: UID FETCH"):
                response = await proto.execute(command)
        except BaseException:
            command.discard()
            raise
        result = FetchResult(command.messages)
        if response.result != "OK":
            result.failed = _text(response)
        return result

    async def wait_for_news(self, timeout: float) -> bool:
        """IDLE on the selected folder until the server reports something or ``timeout``.

        True when new messages were announced (EXISTS)."""
        imap = self._imap
        with translated(f"{self.where}: IDLE"):
            while not imap.protocol.idle_queue.empty():
                imap.protocol.idle_queue.get_nowait()
            idle = await imap.idle_start(timeout=timeout)
            try:
                pushed = await imap.wait_server_push(timeout=timeout + self.timeout)
            except TimeoutError:
                pushed = []
            finally:
                if imap.has_pending_idle():
                    imap.idle_done()
            await asyncio.wait_for(idle, self.timeout)
        return any(isinstance(line, bytes) and line.endswith(b"EXISTS") for line in pushed)

    async def noop(self) -> None:
        proto = self.protocol
        await self._execute(aioimaplib.Command("NOOP", proto.new_tag()))


def _text(response) -> str:
    lines = [line for line in response.lines if isinstance(line, bytes | bytearray)]
    return bytes(lines[-1]).decode("utf-8", "replace") if lines else response.result


def uid_set(uids: Sequence[int]) -> str:
    """[1, 2, 3, 7, 9, 10] → ``1:3,7,9:10`` (short commands for long batches)."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("empty UID set")
    ranges, start, prev = [], ordered[0], ordered[0]
    for uid in ordered[1:]:
        if uid != prev + 1:
            ranges.append(f"{start}:{prev}" if prev != start else str(start))
            start = uid
        prev = uid
    ranges.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(ranges)


_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>NIL|"(?:[^"\\]|\\.)*") (?P<name>.*)$')


def parse_list(lines: Sequence[bytes]) -> list[Folder]:
    """LIST response lines (``(\\HasNoChildren \\Sent) "/" Sent``) → folders."""
    folders = []
    items = [bytes(line) for line in lines if isinstance(line, bytes | bytearray)]
    i = 0
    while i < len(items):
        match = _LIST.match(items[i])
        i += 1
        if not match:
            continue
        name = match.group("name")
        literal = re.fullmatch(rb"\{(\d+)\}", name)
        if literal and i < len(items):
            name, i = items[i], i + 1
        elif name.startswith(b'"') and name.endswith(b'"'):
            name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
        delim = match.group("delim")
        folders.append(
            Folder(
                name=name.decode("utf-8", "replace"),
                flags=frozenset(match.group("flags").decode("ascii", "replace").split()),
                delimiter=None
                if delim == b"NIL"
                else delim[1:-1].decode().replace("\\", "") or None,
            )
        )
    return folders


def parse_examine(lines: Sequence[bytes]) -> MailboxStatus | None:
    text = b"\n".join(bytes(line) for line in lines if isinstance(line, bytes | bytearray))
    validity = re.search(rb"\[UIDVALIDITY (\d+)\]", text)
    if not validity:
        return None
    uidnext = re.search(rb"\[UIDNEXT (\d+)\]", text)
    exists = re.search(rb"^(\d+) EXISTS", text, re.MULTILINE)
    return MailboxStatus(
        uidvalidity=int(validity.group(1)),
        uidnext=int(uidnext.group(1)) if uidnext else None,
        exists=int(exists.group(1)) if exists else 0,
    )


__all__ = [
    "FetchResult",
    "FetchedMessage",
    "Folder",
    "ImapClient",
    "ImapConnectionLost",
    "MailboxStatus",
    "parse_examine",
    "parse_list",
    "uid_set",
]
