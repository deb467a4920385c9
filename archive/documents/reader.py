"""The archive's handle on the bounded readers: read or OCR many documents at once."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from archive.documents.ocr import OcrOptions, OcrText, ocr_document
from archive.documents.read import Reading, read_document, read_options
from archive.documents.sandbox import BoundedPool, Failed, Job
from config.sections.documents import DocumentsSettings

Done = Callable[[int], None]


class DocumentReader:
    """Reader processes started on first use and kept for the next batch."""

    def __init__(self, settings: DocumentsSettings):
        self.settings = settings
        self.read_options = read_options(settings)
        self.ocr_options = OcrOptions(
            languages=settings.ocr_languages,
            dpi=settings.ocr_dpi,
            page_timeout=settings.ocr_page_timeout_seconds,
            max_pages=settings.ocr_max_pages,
        )
        self._pool: BoundedPool | None = None

    @property
    def pool(self) -> BoundedPool:
        if self._pool is None:
            workers = self.settings.workers or os.cpu_count() or 1
            self._pool = BoundedPool(workers, self.settings.memory_mb)
        return self._pool

    def read_many(
        self, items: Sequence[tuple[bytes, str | None]], done: Done | None = None
    ) -> list[Reading]:
        jobs = [
            Job(read_document, (data, kind, self.read_options), self.settings.timeout_seconds)
            for data, kind in items
        ]
        results = self.pool.run(jobs, done)
        return [
            Reading(extractor=None, error=r.reason) if isinstance(r, Failed) else r for r in results
        ]

    def ocr_many(
        self, items: Sequence[tuple[bytes, str | None, int]], done: Done | None = None
    ) -> list[OcrText | Failed]:
        """(data, detected type, pages) -> OCR text, or Failed with the reason."""
        per_page = self.settings.ocr_page_timeout_seconds
        jobs = [
            Job(
                ocr_document,
                (data, kind, self.ocr_options),
                per_page * max(1, min(pages or 1, self.settings.ocr_max_pages)) + 30,
            )
            for data, kind, pages in items
        ]
        return self.pool.run(jobs, done)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
