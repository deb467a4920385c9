"""Group commit: sessions that finish DATA together share one spool flush.

Each session hands its entry to ``commit`` and waits; a single writer takes everything
waiting, makes it durable in a worker thread with one flush, and releases the sessions.
While one batch is flushing, the next one gathers.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from gateway.spool import Spool, SpoolEntry


class GroupCommitter:
    def __init__(self, spool: Spool, max_batch: int = 256):
        self.spool = spool
        self.max_batch = max_batch
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def commit(self, entry: SpoolEntry, queues: tuple[str, ...]) -> Path:
        """Durable in ``queues`` when this returns (raises if the write failed)."""
        if self._task is None:
            return await asyncio.to_thread(self.spool.put, entry, *queues)
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((entry, queues, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [(entry, queues) for entry, queues, _ in batch]
            try:
                temps = self.spool.stage(items)
                paths = await asyncio.to_thread(self.spool.publish, items, temps)
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), path in zip(batch, paths, strict=True):
                if not future.done():
                    future.set_result(path)
