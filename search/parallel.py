"""Build index documents in worker processes (reindex, check): analysis is the CPU cost,
and each worker reads the archive itself, so the main process only feeds the engine."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from config import Settings
from search.documents import IndexDoc

_archive = None


def _start(settings_json: str) -> None:
    global _archive
    from archive.ingest import Archive
    from config import Settings

    _archive = Archive.open(Settings.model_validate_json(settings_json), migrate=False)


def _build(ids: list[int]) -> list[IndexDoc]:
    from search.documents import build_documents

    with _archive.sessions() as session:
        return build_documents(session, _archive.blobs, ids)


def build_in_parallel(
    settings: Settings, batches: Iterable[list[int]], workers: int | None = None
) -> Iterator[tuple[list[int], list[IndexDoc]]]:
    """(ids, documents) per batch, in order, at most ``2 × workers`` batches in flight."""
    workers = workers or os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")
    data = settings.model_dump_json()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(data,)
    ) as pool:
        pending: list[tuple[list[int], Future]] = []
        for ids in batches:
            pending.append((ids, pool.submit(_build, ids)))
            if len(pending) >= 2 * workers:
                ids0, job = pending.pop(0)
                yield ids0, job.result()
        for ids0, job in pending:
            yield ids0, job.result()
