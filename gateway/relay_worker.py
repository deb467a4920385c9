"""Deliver spooled mail to the next hop: backoff, per-recipient outcomes, bounces.

Each file is claimed (renamed to ``.bak``) before delivery and released only after the
outcome is durable: delivered recipients leave ``pending``, temporary failures come back
with a later attempt time, permanent ones produce one DSN to the sender. An unexpected
error in one item never stops the worker: the item counts a crash and is parked after
``max_crashes`` (``govmail spool requeue`` brings it back).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from archive.durable import fsync_dir
from gateway.context import GatewayContext
from gateway.messages import GAVE_UP, bounce
from gateway.relay import DeliveryError, DeliveryResult, NextHop, PermanentFailure
from gateway.spool import Spool, SpoolEntry, SpoolMeta, new_id, queue_expired

STOP_GRACE = 10.0  # seconds deliveries in flight may take to finish when the relay stops
log = logging.getLogger("govmail.smtp")
error_log = logging.getLogger("govmail.error")


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before attempt ``attempts + 1``: base, 2·base, 4·base … up to cap."""
    return min(cap, base * (2 ** max(attempts - 1, 0)))


class RelayWorker:
    def __init__(self, ctx: GatewayContext, hop_factory: Callable[[], NextHop]):
        self.ctx = ctx
        self.spool: Spool = ctx.spool
        self.hop_factory = hop_factory
        self.queue: asyncio.Queue[Path] = asyncio.Queue()
        self.tasks: list[asyncio.Task] = []
        self.inflight: set[str] = set()
        self._stopping = False
        self._unflushed = asyncio.Event()  # delivered files removed, directory not flushed

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        workers = self.ctx.settings.smtp.relay_workers
        self.tasks = [loop.create_task(self._scan()), loop.create_task(self._flush_removals())]
        self.tasks += [loop.create_task(self._deliver_loop()) for _ in range(workers)]

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Start no new delivery; give those in flight ``grace`` seconds, then break them
        off (each goes back to the queue as it was: no attempt, no crash counted). A
        process killed by its parent instead would count a crash for each of them."""
        self._stopping = True
        self.ctx.relay_wakeup.set()
        scan, flush, *workers = self.tasks
        scan.cancel()
        for _ in workers:
            await self.queue.put(None)  # type: ignore[arg-type]
        _, late = await asyncio.wait(workers, timeout=grace)
        for task in late:
            task.cancel()
        for task in (scan, *workers):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        flush.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flush
        await asyncio.to_thread(self._flush)  # whatever the cancelled flush had not covered

    async def _flush_removals(self) -> None:
        """One directory flush for the deliveries finished meanwhile, not one each."""
        while True:
            await self._unflushed.wait()
            self._unflushed.clear()
            await asyncio.to_thread(self._flush)

    def _flush(self) -> None:
        if self.spool.fsync:
            fsync_dir(self.spool.dir("relay"))

    async def _scan(self) -> None:
        """Feed due files to the workers; wake on new mail or every second for retries."""
        while not self._stopping:
            self.ctx.relay_wakeup.clear()
            for path in await asyncio.to_thread(self.spool.files, "relay", time.time()):
                if path.name not in self.inflight:
                    self.inflight.add(path.name)
                    await self.queue.put(path)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ctx.relay_wakeup.wait(), timeout=1.0)

    async def _deliver_loop(self) -> None:
        hop = self.hop_factory()
        try:
            while True:
                path = await self.queue.get()
                if path is None:
                    return
                if self._stopping:  # queued before the stop: stays spooled for the next start
                    self.inflight.discard(path.name)
                    continue
                try:
                    await self.process(path, hop)
                finally:
                    self.inflight.discard(path.name)
        finally:
            await hop.close()

    async def process(self, path: Path, hop: NextHop) -> None:
        # a rename and a read from the page cache: cheaper inline than via a thread
        bak = self.spool.claim(path)
        if bak is None:
            return
        entry: SpoolEntry | None = None
        try:
            entry = self.spool.read(bak)
            await self._attempt(entry, bak, hop)
        except Exception as exc:  # a bug or bad data: count it, never lose the message
            error_log.exception("relay of %s failed unexpectedly", path.name)
            await asyncio.to_thread(self._crashed, entry, bak, exc)

    def _crashed(self, entry: SpoolEntry | None, bak: Path, exc: Exception) -> None:
        if entry is None:
            bak.rename(self.spool.dir("bad") / (bak.stem + ".unreadable"))
            return
        entry.meta.crashes += 1
        if entry.meta.crashes >= self.spool.max_crashes:
            self.spool.park(entry, "relay", f"{type(exc).__name__}: {exc}", bak)
        else:
            entry.meta.next_attempt = time.time() + self.ctx.settings.smtp.retry_base_seconds
            self.spool.replace(entry, "relay", bak)

    async def _attempt(self, entry: SpoolEntry, bak: Path, hop: NextHop) -> None:
        meta = entry.meta
        started = time.monotonic()
        try:
            result = await hop.deliver(meta.mail_from, list(meta.pending), entry.raw)
        except asyncio.CancelledError:  # the relay is stopping: retried at the next start
            self.spool.unclaim(bak)
            raise
        except PermanentFailure as exc:
            result = DeliveryResult(permanent={r: str(exc) for r in meta.pending})
        except DeliveryError as exc:
            result = DeliveryResult(temporary={r: str(exc) for r in meta.pending})
        meta.attempts += 1
        self._log(meta, result, started)
        if result.delivered and not result.temporary and not result.permanent:
            bak.unlink(missing_ok=True)  # the usual case; flushed with the others
            self._unflushed.set()
            return
        await asyncio.to_thread(self._settle, entry, bak, result)

    def _settle(self, entry: SpoolEntry, bak: Path, result: DeliveryResult) -> None:
        meta = entry.meta
        smtp = self.ctx.settings.smtp
        permanent = dict(result.permanent)
        if result.temporary and queue_expired(meta, time.time(), smtp.give_up_hours):
            permanent.update({r: GAVE_UP + why for r, why in result.temporary.items()})
            result.temporary.clear()
        if permanent:
            self._bounce(entry, permanent)
        meta.pending = list(result.temporary)
        if not meta.pending:
            self.spool.done(bak)
            return
        meta.last_error = next(iter(result.temporary.values()))[:500]
        # the next hop took some and answered 452 (too many recipients) for the rest: they
        # go in a new transaction now (RFC 5321 4.5.3.1.10), not after a backoff
        replies = result.temporary.values()
        too_many = bool(result.delivered) and any(why.startswith("452") for why in replies)
        delay = backoff(meta.attempts, smtp.retry_base_seconds, smtp.retry_max_seconds)
        meta.next_attempt = time.time() + (0.0 if too_many else delay)
        self.spool.replace(entry, "relay", bak)

    def _bounce(self, entry: SpoolEntry, failures: dict[str, str]) -> None:
        meta = entry.meta
        if not meta.mail_from or meta.kind != "mail":
            log.warning(json.dumps({"event": "undeliverable", "id": meta.id, "to": failures}))
            return  # never bounce a bounce or a notice
        policy = self.ctx.engine.policy
        raw = bounce(
            self.ctx.hostname, policy.notice_from, meta.mail_from, entry.raw, failures, meta.id
        )
        raw = self.ctx.sign_as(policy.notice_from, raw)
        dsn = SpoolMeta(id=new_id(), mail_from="", rcpt_to=[meta.mail_from], kind="bounce")
        self.spool.put(SpoolEntry(dsn, raw), "relay")  # the scanner finds it within a second

    def _log(self, meta: SpoolMeta, result: DeliveryResult, started: float) -> None:
        log.info(
            json.dumps(
                {
                    "event": "relay",
                    "id": meta.id,
                    "kind": meta.kind,
                    "attempt": meta.attempts,
                    "delivered": result.delivered,
                    "temporary": result.temporary,
                    "permanent": result.permanent,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                },
                ensure_ascii=False,
            )
        )
