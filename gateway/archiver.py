"""Archive spooled mail off the SMTP path, in batches, exactly once.

The archive queue holds a link to every message that was not rejected. Archiving is
idempotent (same bytes → same message; same spool id → same sighting), so a batch that
was committed but not yet removed from the queue when the process died is simply seen
again after a restart and adds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path

from archive.ingest import Archive, Source
from gateway.context import GatewayContext
from gateway.spool import SpoolEntry

error_log = logging.getLogger("govmail.error")


def source_for(entry: SpoolEntry) -> Source:
    meta = entry.meta
    return Source(
        channel="smtp",
        ref=meta.id,
        mail_from=meta.mail_from,
        rcpt_to=tuple(meta.rcpt_to),
        direction=meta.direction,
        policy_action=meta.action,
        policy_rule=meta.rule,
        dkim_result=meta.dkim_result,
    )


class ArchiveWorker:
    def __init__(self, ctx: GatewayContext, open_archive):
        self.ctx = ctx
        self.spool = ctx.spool
        self.open_archive = open_archive
        self.archive: Archive | None = None
        self.task: asyncio.Task | None = None
        self.wakeup = asyncio.Event()
        self._stopping = False
        self._refresh: set[int] = set()
        self._refresh_lock = threading.Lock()

    def refresh_later(self, message_ids) -> None:
        """Derived data of these messages changed (OCR): the hooks catch up on the next
        round, in this worker's thread, so index and exchange log have one writer."""
        with self._refresh_lock:
            self._refresh.update(message_ids)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self.wakeup.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.archive is not None:
            await asyncio.to_thread(self.archive.close)
            self.archive = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                done = await asyncio.to_thread(self.drain_once)
            except Exception:
                error_log.exception("archive worker: batch failed; will retry")
                done = 0
            if done == 0:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=1.0)

    def drain_once(self) -> int:
        """Archive up to one batch from the queue; returns how many were handled."""
        self._apply_refresh()
        batch_size = self.ctx.settings.smtp.archive_batch
        paths = self.spool.files("archive")[:batch_size]
        if not paths:
            return 0
        if self.archive is None:  # before claiming: a failure here leaves the queue as is
            self.archive = self.open_archive(self.ctx.settings)
        claimed: list[tuple[Path, SpoolEntry]] = []
        for path in paths:
            bak = self.spool.claim(path)
            if bak is None:
                continue
            try:
                claimed.append((bak, self.spool.read(bak)))
            except (OSError, ValueError) as exc:
                bak.rename(self.spool.dir("bad") / (bak.stem + ".unreadable"))
                error_log.error("archive queue: unreadable %s: %s", path.name, exc)
        if not claimed:
            return 0
        try:
            items = [(entry.raw, source_for(entry)) for _, entry in claimed]
            list(self.archive.ingest_many(items, batch_size=len(items)))
        except Exception as exc:
            self._one_by_one(claimed, exc)
            return len(claimed)
        self.spool.done_many([bak for bak, _ in claimed])
        return len(claimed)

    def _apply_refresh(self) -> None:
        with self._refresh_lock:
            ids, self._refresh = sorted(self._refresh), set()
        if ids:
            if self.archive is None:
                self.archive = self.open_archive(self.ctx.settings)
            self.archive.refresh(ids)

    def _one_by_one(self, claimed: list[tuple[Path, SpoolEntry]], first: Exception) -> None:
        error_log.warning("archive batch failed (%s); archiving one by one", first)
        assert self.archive is not None
        for bak, entry in claimed:
            try:
                self.archive.ingest(entry.raw, source_for(entry))
                self.spool.done(bak)
            except Exception as exc:
                entry.meta.crashes += 1
                if entry.meta.crashes >= self.spool.max_crashes:
                    self.spool.park(entry, "archive", f"{type(exc).__name__}: {exc}", bak)
                else:
                    self.spool.replace(entry, "archive", bak)
