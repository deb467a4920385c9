"""The relay and archive workers (and extra SMTP listeners) in processes of their own.

As threads of the SMTP process they shared its one GIL with the sessions: the archive
worker alone took a third of the process under load, and the relay client another share.
The spool already decouples them (the SMTP process writes files, a worker claims them), so
each runs as ``python -m gateway.worker_main KIND``. Its stdin is its link to the gateway:
the settings arrive there (pickled), and end of file means stop. New relay work is
announced with a datagram (``gateway.wake``), and the workers rescan their queues every
second, so a lost wake-up only delays. When the gateway dies the pipe closes and the
worker finishes what it holds and exits; while alive it holds a shared lock on the spool,
so a restarted gateway recovers the spool only once old workers are gone. A worker that
dies unexpectedly is started again, with a growing delay. With ``listener_processes`` > 1
the same mechanism runs more SMTP processes on the gateway's ports (SO_REUSEPORT).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import resource
import struct
import subprocess
import sys

from config import Settings
from gateway.relay_worker import backoff

log = logging.getLogger("govmail.smtp")
error_log = logging.getLogger("govmail.error")

HEADER = struct.Struct("!I")


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system), for the stop log line."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 3)


def settings_message(settings: Settings, log_level: str) -> bytes:
    body = pickle.dumps({"settings": settings, "log_level": log_level})
    return HEADER.pack(len(body)) + body


def take_message(buffer: bytearray) -> dict | None:
    """The first complete settings message in ``buffer``, removed from it; else None."""
    if len(buffer) < HEADER.size:
        return None
    size = HEADER.unpack_from(buffer)[0]
    if len(buffer) < HEADER.size + size:
        return None
    message = pickle.loads(bytes(buffer[HEADER.size : HEADER.size + size]))
    del buffer[: HEADER.size + size]
    return message


class WorkerProcess:
    """One worker child: started with its settings, updated on reload, restarted if it
    dies, stopped."""

    def __init__(self, kind: str, settings: Settings):
        self.kind = kind
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self._pidfd: int | None = None
        self._stopping = False
        self._restarts = 0
        self._exited: asyncio.Event | None = None
        self._restart_task: asyncio.Task | None = None
        self._acks: asyncio.Queue[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def level(self) -> str:
        return logging.getLevelName(logging.getLogger("govmail").getEffectiveLevel())

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.worker_main", self.kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,  # acknowledgements of settings updates
            start_new_session=False,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(settings_message(self.settings, self.level))
        self.proc.stdin.flush()
        loop = asyncio.get_running_loop()
        self._exited = asyncio.Event()
        self._acks = asyncio.Queue()
        os.set_blocking(self.proc.stdout.fileno(), False)
        loop.add_reader(self.proc.stdout.fileno(), self._on_output)
        self._pidfd = os.pidfd_open(self.proc.pid)
        loop.add_reader(self._pidfd, self._on_exit)
        log.info(json.dumps({"event": "worker-started", "worker": self.kind, "pid": self.pid}))

    def _on_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None and self._acks is not None
        try:
            data = os.read(self.proc.stdout.fileno(), 4096)
        except BlockingIOError:
            return
        if not data:
            asyncio.get_running_loop().remove_reader(self.proc.stdout.fileno())
            return
        for _ in range(data.count(b"\n")):
            self._acks.put_nowait(b"reloaded")

    def _on_exit(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.proc is not None and self._pidfd is not None
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = None
        code = self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream is self.proc.stdout:
                    loop.remove_reader(stream.fileno())
                stream.close()  # type: ignore[union-attr]
        assert self._exited is not None
        self._exited.set()
        if self._stopping:
            return
        self._restarts += 1
        delay = backoff(self._restarts, 0.5, 60.0)
        error_log.error(
            "%s worker (pid %s) exited with %s; starting it again in %.1f s",
            self.kind,
            self.proc.pid,
            code,
            delay,
        )
        self._restart_task = loop.create_task(self._restart_after(delay))

    async def _restart_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self._stopping:
            self.start()

    async def update(self, settings: Settings, timeout: float = 10.0) -> bool:
        """New settings (SIGHUP): the worker swaps its policy in place and says so; a
        worker started later gets them too. False if it did not answer in time."""
        self.settings = settings
        if self.proc is None or self.proc.stdin is None or self._acks is None:
            return True  # not running: starts with these
        try:
            self.proc.stdin.write(settings_message(settings, self.level))
            self.proc.stdin.flush()
            await asyncio.wait_for(self._acks.get(), timeout)
        except (OSError, ValueError, TimeoutError):
            return False  # gone or stuck: a restarted worker reads self.settings
        return True

    async def stop(self, grace: float = 60.0) -> None:
        """Close the pipe: the worker finishes what it holds and exits; killed after
        ``grace`` seconds (what it held stays spooled and is recovered at start)."""
        self._stopping = True
        if self._restart_task is not None:
            self._restart_task.cancel()
        if self.proc is None or self._exited is None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        try:
            await asyncio.wait_for(self._exited.wait(), grace)
        except TimeoutError:
            error_log.error("%s worker did not stop in %.0f s; killing it", self.kind, grace)
            self.proc.kill()
            await self._exited.wait()
