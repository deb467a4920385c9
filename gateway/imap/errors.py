"""What can go wrong talking to an IMAP server, by what the caller must do about it.

aioimaplib, ssl and socket exceptions are translated once, in ``translated()``, at the
client's boundary; the sync engine only sees this hierarchy.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from aioimaplib import aioimaplib


class ImapError(Exception):
    """Base of every IMAP ingestion error."""


class ImapLoginFailed(ImapError):
    """The server refused the user name or password: retrying will not help."""


class ImapTlsError(ImapError):
    """TLS could not be set up (certificate not trusted, name mismatch, no STARTTLS)."""


class ImapConnectionLost(ImapError):
    """Network trouble (refused, reset, timed out): reconnect with backoff and resume."""


class ImapCommandFailed(ImapError):
    """The server answered NO or BAD to one command; the connection is still usable."""


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn library and network exceptions raised inside into the hierarchy above."""
    try:
        yield
    except ImapError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise ImapTlsError(f"{what}: certificate not trusted: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        raise ImapTlsError(f"{what}: TLS failed: {exc}") from exc
    except (TimeoutError, aioimaplib.CommandTimeout) as exc:
        raise ImapConnectionLost(f"{what}: timed out") from exc
    except (OSError, ConnectionError, EOFError) as exc:
        raise ImapConnectionLost(f"{what}: {exc.strerror or exc}") from exc
    except aioimaplib.AioImapException as exc:
        raise ImapConnectionLost(f"{what}: {exc}") from exc
