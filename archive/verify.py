"""Re-hash every blob the database knows and report the missing and the altered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select

from archive.ingest import Archive
from archive.models import Blob


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sha256, problem)

    @property
    def ok(self) -> bool:
        return not self.problems


def blob_count(archive: Archive) -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.count(Blob.sha256))) or 0


def _keys(archive: Archive, page: int = 5000) -> Iterator[str]:
    last = ""
    while True:
        with archive.sessions() as session:
            keys = session.scalars(
                select(Blob.sha256).where(Blob.sha256 > last).order_by(Blob.sha256).limit(page)
            ).all()
        if not keys:
            return
        yield from keys
        last = keys[-1]


def verify_blobs(archive: Archive, progress: Callable[[int], None] | None = None) -> VerifyReport:
    report = VerifyReport()
    for key in _keys(archive):
        problem = _check(archive, key)
        report.checked += 1
        if problem:
            report.problems.append((key, problem))
        if progress:
            progress(1)
    return report


def _check(archive: Archive, key: str) -> str | None:
    """An I/O error (a failing disk, a blob that became a folder) is one more problem to
    list, not the end of the verification that is meant to find them."""
    try:
        return archive.blobs.check(key)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
