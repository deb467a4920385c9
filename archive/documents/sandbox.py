"""Run document readers in worker processes with a deadline and a memory ceiling.

Parsers of hostile files can loop, balloon or crash (C libraries inside). Each worker is a
process (forked from the fork server) with ``RLIMIT_AS`` set, fed one job at a time over a
pipe. A job past its
deadline gets its worker killed and replaced; a worker that dies takes only its own job
down. Either way the job comes back as a ``Failed`` with the reason, never as an exception.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from archive.worker_processes import die_with_parent, worker_context

log = logging.getLogger("govmail.archive")


@dataclass(frozen=True)
class Job:
    func: Callable[..., Any]  # a module-level function (it is pickled by reference)
    args: tuple
    timeout: float


@dataclass(frozen=True)
class Failed:
    """A job that did not return: timed out, ran out of memory, crashed or raised."""

    reason: str


def _serve(conn: Connection, memory_mb: int) -> None:
    die_with_parent()
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one core per page
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        func, args = message
        try:
            result: Any = func(*args)
        except MemoryError:
            result = Failed(f"out of memory (documents.memory_mb = {memory_mb})")
        except BaseException as exc:
            result = Failed(f"{type(exc).__name__}: {exc}"[:500])
        try:
            conn.send(result)
        except MemoryError:
            conn.send(Failed(f"out of memory (documents.memory_mb = {memory_mb})"))


class _Worker:
    def __init__(self, memory_mb: int):
        ctx = worker_context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.deadline = 0.0
        self.index = -1  # the job it is working on
        self.timeout = 0.0

    def give(self, index: int, job: Job) -> None:
        self.index, self.timeout = index, job.timeout
        self.deadline = time.monotonic() + job.timeout
        self.conn.send((job.func, job.args))

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.conn.close()


class BoundedPool:
    """``run(jobs)`` returns one result (or ``Failed``) per job, in order."""

    def __init__(self, workers: int, memory_mb: int):
        self.size = max(1, workers)
        self.memory_mb = memory_mb
        self.idle: list[_Worker] = []

    def run(self, jobs: Sequence[Job], done: Callable[[int], None] | None = None) -> list:
        results: list[Any] = [None] * len(jobs)
        todo = deque(range(len(jobs)))
        busy: dict[Connection, _Worker] = {}
        try:
            while todo or busy:
                while todo and len(busy) < self.size:
                    worker = self.idle.pop() if self.idle else _Worker(self.memory_mb)
                    index = todo.popleft()
                    try:
                        worker.give(index, jobs[index])
                    except (OSError, ValueError) as exc:  # the pipe broke; job too big
                        worker.kill()
                        results[index] = Failed(f"cannot hand the job over: {exc}")
                        continue
                    busy[worker.conn] = worker
                now = time.monotonic()
                timeout = max(0.0, min(w.deadline for w in busy.values()) - now) if busy else 0
                for conn in wait(list(busy), timeout=timeout):
                    worker = busy.pop(conn)
                    results[worker.index] = self._collect(worker)
                    if done:
                        done(worker.index)
                now = time.monotonic()
                for conn, worker in list(busy.items()):
                    if worker.deadline <= now:
                        del busy[conn]
                        worker.kill()
                        results[worker.index] = Failed(
                            f"timed out after {worker.timeout:g} s (documents.timeout_seconds)"
                        )
                        if done:
                            done(worker.index)
        finally:
            for worker in busy.values():
                worker.kill()
        return results

    def _collect(self, worker: _Worker) -> Any:
        try:
            result = worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            code = worker.process.exitcode
            if code is not None and code < 0 and -code == 9:
                return Failed("the reader was killed (out of memory?)")
            return Failed(f"the reader crashed (exit code {code})")
        self.idle.append(worker)
        return result

    def close(self) -> None:
        while self.idle:
            self.idle.pop().stop()

    def __enter__(self) -> BoundedPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
