"""Search engines behind one interface: tantivy (default) and whoosh (pure Python)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from search.compile import Clause
from search.documents import IndexDoc

SCHEMA_VERSION = "1"


class IndexUnavailable(RuntimeError):
    """The index cannot be used now (locked by another writer, or built by another
    version): the message says what to do."""


class SearchIndex(Protocol):
    name: str

    def add(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace (by id) documents; visible after ``commit``."""

    def delete(self, ids: Sequence[int]) -> None: ...

    def commit(self) -> None: ...

    def search(
        self, clause: Clause, offset: int, limit: int
    ) -> tuple[int, list[tuple[int, float]]]:
        """(exact total of matches, [(message id, score)] for the page)."""

    def all_ids(self) -> set[int]: ...

    def close(self) -> None: ...


def open_engine(name: str, path: Path) -> SearchIndex:
    if name == "tantivy":
        from search.engines.tantivy_engine import TantivyIndex

        return TantivyIndex(path)
    if name == "whoosh":
        from search.engines.whoosh_engine import WhooshIndex

        return WhooshIndex(path)
    raise ValueError(f"unknown search engine {name!r} (tantivy or whoosh)")


def check_version(path: Path) -> None:
    marker = path / "govmail-schema"
    if not marker.exists():
        marker.write_text(SCHEMA_VERSION)
    elif marker.read_text().strip() != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"the search index in {path} was built by another govmail version: "
            "run `govmail reindex`"
        )
