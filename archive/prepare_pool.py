"""Run ``prepare`` in worker processes for bulk import, or inline when there is no pool.

A worker that dies (a C library crashing on hostile input) must not lose the message or
stop the import: the jobs it took down are retried one at a time in a fresh process, and a
message that crashes a worker again is archived raw with that verdict.
"""

from __future__ import annotations

import logging
import resource
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from archive.blobstore import PendingBlob
from archive.mime_walk import WalkLimits
from archive.prepare import PreparedMessage, ReadHere, prepare
from archive.worker_processes import die_with_parent, worker_context

log = logging.getLogger("govmail.archive")
CRASHED = "the parser crashed on this message; archived raw, unparsed"


def _new_pool(workers: int, memory_mb: int = 0) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=worker_context(), initializer=_start_worker, initargs=(memory_mb,)
    )


def _start_worker(memory_mb: int) -> None:
    die_with_parent()
    if memory_mb > 0:  # a document that balloons fails alone (MemoryError), not the machine
        limit = _address_space() + memory_mb * 1024 * 1024  # on top of what it starts with
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class PreparePool:
    """``submit`` returns a job; ``result`` turns it into a PreparedMessage."""

    def __init__(
        self,
        workers: int,
        limits: WalkLimits,
        spill_to: Path | None,
        level: int,
        read: ReadHere | None = None,
    ):
        self.workers = workers if spill_to is not None else 0
        self.limits = limits
        self.spill_to = spill_to
        self.level = level
        self.read = read  # only in workers: a document that hangs must not hang the import
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, raw: bytes, sha: str) -> Future | PreparedMessage:
        if self.workers <= 1:
            return prepare(raw, self.limits, sha)
        for _attempt in range(2):
            if self._pool is None:
                self._pool = _new_pool(self.workers, self.read.memory_mb if self.read else 0)
            try:
                return self._pool.submit(
                    prepare, raw, self.limits, sha, self.spill_to, self.level, self.read
                )
            except BrokenProcessPool:
                self._restart()
        return self._alone(raw, sha)

    def result(self, job: Future | PreparedMessage, raw: bytes, sha: str) -> PreparedMessage:
        if isinstance(job, PreparedMessage):
            return job
        try:
            return job.result()
        except BrokenProcessPool:
            self._restart()
            return self._alone(raw, sha)
        except MemoryError:  # the worker's ceiling, set for documents, was too low for this
            log.warning("message %s: out of memory in a worker; parsed again alone", sha[:16])
            return self._alone(raw, sha)
        except Exception:  # prepare never raises on input; this is a bug, not the message's
            log.exception("message %s: the worker failed; parsed again alone", sha[:16])
            return self._alone(raw, sha)

    def _alone(self, raw: bytes, sha: str) -> PreparedMessage:
        """Once more in a fresh process, without reading attachments (the archive's bounded
        readers will: the crash may have been a document's) and without a memory ceiling."""
        with _new_pool(1) as alone:
            try:
                return alone.submit(
                    prepare, raw, self.limits, sha, self.spill_to, self.level
                ).result()
            except BrokenProcessPool:
                log.error("message %s crashed the parser twice; archived raw", sha[:16])
            except Exception:
                log.exception("message %s failed the parser twice; archived raw", sha[:16])
        crashed = PreparedMessage(sha256=sha, size=len(raw), parse_error=CRASHED)
        crashed.blobs[sha] = PendingBlob(sha, len(raw), raw)
        return crashed

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
