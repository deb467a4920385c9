"""Wake-ups for the relay process: a datagram on an abstract Unix socket named after the spool.

Every process that spools mail for relay (the gateway and its listener processes) sends one
after a commit. The relay also scans its queue every second, so a lost wake-up, or one sent
while the relay process is restarting, only delays delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
from pathlib import Path


def address(spool_root: Path) -> str:
    """Linux abstract namespace: no file to clean up, no path-length limit from the spool."""
    digest = hashlib.sha256(str(Path(spool_root).resolve()).encode()).hexdigest()[:32]
    return "\0govmail-relay-" + digest


class WakeSender:
    def __init__(self, spool_root: Path):
        self.address = address(spool_root)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    def wake(self) -> None:
        # refused: no relay listening yet; would block: wake-ups already queued
        with contextlib.suppress(OSError):
            self.sock.sendto(b"w", self.address)

    def close(self) -> None:
        self.sock.close()


async def forward_wakeups(event: asyncio.Event, spool_root: Path) -> None:
    """Each time ``event`` is set (mail spooled for relay), one datagram: a burst of
    commits between two turns of the loop costs one wake-up."""
    sender = WakeSender(spool_root)
    try:
        while True:
            await event.wait()
            event.clear()
            sender.wake()
    finally:
        sender.wake()  # anything committed since the last turn
        sender.close()


def wake_listener(spool_root: Path) -> socket.socket:
    """The relay's end (raises OSError if another relay process holds it)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(address(spool_root))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def drain(sock: socket.socket) -> int:
    """Read every queued wake-up; returns how many there were."""
    count = 0
    while True:
        try:
            sock.recv(64)
        except (BlockingIOError, InterruptedError):
            return count
        count += 1
