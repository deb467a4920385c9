"""Import messages from files into the archive, with a summary per format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from archive.importers import ImportItem, Plan, read
from archive.ingest import Archive, IngestResult, Source


@dataclass
class FormatCounts:
    messages_new: int = 0
    messages_existing: int = 0
    parse_errors: int = 0
    attachments: int = 0
    skipped: int = 0
    unreadable: int = 0


@dataclass
class ImportSummary:
    by_format: dict[str, FormatCounts] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (ref, what)
    bytes_read: int = 0

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.by_format.values())

    def as_dict(self) -> dict:
        keys = FormatCounts.__dataclass_fields__
        return {
            **{k: self.total(k) for k in keys},
            "bytes_read": self.bytes_read,
            "by_format": {f: vars(c) for f, c in sorted(self.by_format.items())},
            "problems": [{"ref": r, "problem": p} for r, p in self.problems],
        }


ProgressFn = Callable[[int], None]


def run_import(
    archive: Archive,
    entries: Plan,
    progress: ProgressFn | None = None,
    channel: str = "import",
    workers: int | None = None,
) -> ImportSummary:
    """Ingest every message of ``entries``; never stops on a bad file."""
    summary = ImportSummary()
    pending: dict[str, ImportItem] = {}

    def messages() -> Iterator[tuple[bytes, Source]]:
        for item in read(entries, ceiling=2 * archive.settings.limits.max_message_bytes):
            counts = summary.by_format.setdefault(item.fmt, FormatCounts())
            if item.raw is None:
                if item.skipped:
                    counts.skipped += 1
                    summary.problems.append((item.ref, f"skipped: {item.skipped}"))
                else:
                    counts.unreadable += 1
                    summary.problems.append((item.ref, item.error or "unreadable"))
                _advance(item.size)
                continue
            pending[item.ref] = item
            yield item.raw, Source(channel=channel, ref=item.ref)

    def _advance(n: int) -> None:
        summary.bytes_read += n
        if progress:
            progress(n)

    if workers is None:
        workers = archive.settings.ingest.workers or os.cpu_count() or 1
    if entries.total_bytes < 2 * 1024 * 1024:
        workers = 0  # starting processes costs more than it saves on a small import
    for result in archive.ingest_many(messages(), workers=workers):
        item = _pop_for(pending, result)
        counts = summary.by_format.setdefault(item.fmt if item else "eml", FormatCounts())
        _count(counts, result)
        if result.parse_error and item:
            summary.problems.append((item.ref, result.parse_error))
        _advance(item.size if item else 0)
    return summary


def _pop_for(pending: dict[str, ImportItem], result: IngestResult) -> ImportItem | None:
    # Results come back in input order; the oldest pending item is this result's item.
    if not pending:
        return None
    ref = next(iter(pending))
    return pending.pop(ref)


def _count(counts: FormatCounts, result: IngestResult) -> None:
    if result.new:
        counts.messages_new += 1
        counts.attachments += result.attachments
        if result.parse_error:
            counts.parse_errors += 1
    else:
        counts.messages_existing += 1
