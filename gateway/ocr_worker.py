"""OCR of pending scans in the background of ``govmail serve``, never on the mail path.

It reads and writes only the ``documents`` rows (an archive without hooks of its own) and
hands the changed messages to the archive worker, which refreshes the search index and the
exchange log in its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from archive.documents.ocr_queue import run_ocr
from archive.documents.reader import DocumentReader
from archive.ingest import Archive
from config import Settings

log = logging.getLogger("govmail.archive")
error_log = logging.getLogger("govmail.error")


class OcrWorker:
    def __init__(self, settings: Settings, refresh_later: Callable[[list[int]], None]):
        self.settings = settings
        self.refresh_later = refresh_later
        self.archive: Archive | None = None
        self.reader: DocumentReader | None = None
        self.task: asyncio.Task | None = None
        self.wakeup = asyncio.Event()
        self._stopping = False
        self._warned = False

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self.wakeup.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await asyncio.to_thread(self._close)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.to_thread(self.run_once)
            except Exception:
                error_log.exception("OCR worker: round failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.wakeup.wait(), timeout=self.settings.documents.ocr_poll_seconds
                )

    def run_once(self) -> int:
        """OCR what is pending now; returns the number of documents done."""
        if self.archive is None:
            self.archive = Archive.open(self.settings)
            self.reader = DocumentReader(self.settings.documents)
        assert self.reader is not None
        summary = run_ocr(
            self.archive,
            self.reader,
            "pending",
            should_stop=lambda: self._stopping,
            refresh=self.refresh_later,
        )
        if summary.unavailable and not self._warned:
            self._warned = True
            error_log.warning(
                json.dumps({"event": "ocr-unavailable", "reason": summary.unavailable})
            )
        return summary.documents

    def _close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.archive is not None:
            self.archive.close()
