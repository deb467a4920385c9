"""Next hops: an SMTP server (aiosmtplib) or a local Maildir, behind one small interface.

Failures are modelled by what the caller must do (retry or bounce), per recipient, and
aiosmtplib's exceptions are translated once, in ``_mapped`` at this boundary.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import aiosmtplib


class DeliveryError(Exception):
    """The whole message failed at the next hop."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryError):
    """Retry later (connection refused, timeouts, 4xx)."""


class PermanentFailure(DeliveryError):
    """Do not retry: bounce (5xx)."""


@dataclass
class DeliveryResult:
    delivered: list[str] = field(default_factory=list)
    temporary: dict[str, str] = field(default_factory=dict)  # recipient -> reply
    permanent: dict[str, str] = field(default_factory=dict)


class NextHop(Protocol):
    async def deliver(self, mail_from: str, recipients: list[str], raw: bytes) -> DeliveryResult:
        """Deliver to each recipient; raises DeliveryError when nothing could be tried."""
        ...

    async def close(self) -> None: ...


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """aiosmtplib and socket errors → TemporaryFailure / PermanentFailure."""
    try:
        yield
    except aiosmtplib.SMTPResponseException as exc:
        cls = PermanentFailure if 500 <= exc.code < 600 else TemporaryFailure
        raise cls(f"{exc.code} {exc.message}"[:500], exc.code) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:500]) from None


def _reply_text(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"[:500]


def _mail_options(client: aiosmtplib.SMTP, raw: bytes) -> list[str]:
    options = []
    if not raw.isascii() and client.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    if client.supports_extension("size"):
        options.append(f"SIZE={len(raw)}")
    return options


class SmtpNextHop:
    """One persistent connection per instance, reused while transactions complete."""

    def __init__(
        self,
        host: str,
        port: int,
        tls: str = "none",
        timeout: float = 60.0,
        helo: str | None = None,
        tls_verify: bool = True,
        ca_file: str | None = None,
    ):
        self.host, self.port, self.tls, self.timeout = host, port, tls, timeout
        self.helo = helo or socket.getfqdn()
        self.tls_verify = tls_verify
        self.ca_file = ca_file
        self._client: aiosmtplib.SMTP | None = None
        self._clean = False  # the last transaction ended (250 after DATA, or RSET)

    async def _connect(self) -> tuple[aiosmtplib.SMTP, bool]:
        """The open connection (reused: True) or a new one. After a completed
        transaction no RSET is needed; one that broke off is reset first."""
        if self._client is not None and self._client.is_connected:
            if self._clean:
                self._clean = False
                return self._client, True
            try:
                await self._client.rset()
                return self._client, True
            except aiosmtplib.SMTPException:
                await self.close()
        context = None
        if self.tls != "none":
            context = ssl.create_default_context(cafile=self.ca_file)
            if not self.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",
            tls_context=context,
            local_hostname=self.helo,
        )
        await client.connect()
        self._client = client
        return client, False

    async def _start(self, mail_from: str, raw: bytes) -> aiosmtplib.SMTP:
        """MAIL on a connection; a reused one the server has closed meanwhile (idle
        timeout) is replaced once, at once, instead of failing the delivery."""
        client, reused = await self._connect()
        try:
            await client.mail(mail_from, options=_mail_options(client, raw))
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
            if not reused:
                raise
            await self.close()
            client, _ = await self._connect()
            await client.mail(mail_from, options=_mail_options(client, raw))
        return client

    async def deliver(self, mail_from: str, recipients: list[str], raw: bytes) -> DeliveryResult:
        result = DeliveryResult()
        try:
            with _mapped():
                client = await self._start(mail_from, raw)
                accepted = []
                for rcpt in recipients:
                    try:
                        await client.rcpt(rcpt)
                        accepted.append(rcpt)
                    except aiosmtplib.SMTPRecipientRefused as exc:
                        target = result.permanent if exc.code >= 500 else result.temporary
                        target[rcpt] = _reply_text(exc)
                if not accepted:
                    await client.rset()
                    self._clean = True
                    return result
                await client.data(raw)
                self._clean = True
                result.delivered = accepted
        except DeliveryError:
            await self.close()
            raise
        except asyncio.CancelledError:  # broken off, maybe inside DATA: drop, no QUIT
            client, self._client = self._client, None
            if client is not None:
                client.close()
            raise
        return result

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.quit(), timeout=2)
            with contextlib.suppress(Exception):
                client.close()


class MaildirNextHop:
    """Delivers into a local Maildir (the embedded default when no next hop is set)."""

    def __init__(self, root: Path, fsync: bool = True):
        self.root = Path(root)
        self.fsync = fsync
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._count = 0

    async def deliver(self, mail_from: str, recipients: list[str], raw: bytes) -> DeliveryResult:
        self._count += 1
        name = f"{time.time():.6f}.P{os.getpid()}Q{self._count}.{socket.gethostname()}"
        tmp = self.root / "tmp" / name
        header = f"Return-Path: <{mail_from}>\r\n".encode("ascii", "replace")
        header += ("Delivered-To: " + ", ".join(recipients) + "\r\n").encode("ascii", "replace")
        try:
            with open(tmp, "wb") as fh:
                fh.write(header + raw)
                if self.fsync:
                    os.fsync(fh.fileno())
            os.rename(tmp, self.root / "new" / name)
        except OSError as exc:
            raise TemporaryFailure(f"Maildir write failed: {exc}") from None
        return DeliveryResult(delivered=list(recipients))

    async def close(self) -> None:
        return None
