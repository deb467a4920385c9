"""whoosh-reloaded (pure Python): the engine for installations that cannot take a native
wheel. Slower, and never the default (Whoosh itself is unmaintained)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError

from search import compile as C
from search import fields as F
from search.documents import IndexDoc
from search.engines import IndexUnavailable, check_version

LOCK_WAIT_SECONDS = 30.0


def _schema() -> Schema:
    spec = {F.ID: NUMERIC(int, bits=64, stored=True, unique=True, signed=False)}
    for name in F.all_text_fields():
        spec[name] = TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True)
    for name in F.KEYWORDS:
        spec[name] = KEYWORD(lowercase=False, commas=False, scorable=False)
    spec[F.DAY] = NUMERIC(int, bits=32, signed=True)
    return Schema(**spec)


class WhooshIndex:
    name = "whoosh"

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        check_version(path)
        self.path = path
        if windex.exists_in(str(path)):
            self.index = windex.open_dir(str(path))
        else:
            self.index = windex.create_in(str(path), _schema())
        self._writer = None

    def _writer_now(self):
        if self._writer is None:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    self._writer = self.index.writer()
                    break
                except LockError:
                    if time.monotonic() > deadline:
                        raise IndexUnavailable("search index busy (whoosh lock)") from None
                    time.sleep(0.1)
        return self._writer

    def add(self, docs: Sequence[IndexDoc]) -> None:
        writer = self._writer_now()
        for doc in docs:
            fields = {F.ID: doc.id}
            for name, toks in doc.text.items():
                if toks:
                    fields[name] = " ".join(toks)
            for name, values in doc.keywords.items():
                if values:
                    fields[name] = " ".join(sorted(values))
            if doc.day is not None:
                fields[F.DAY] = doc.day
            writer.update_document(**fields)

    def delete(self, ids: Sequence[int]) -> None:
        writer = self._writer_now()
        for mid in ids:
            writer.delete_by_term(F.ID, mid)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    def search(
        self, clause: C.Clause, offset: int, limit: int
    ) -> tuple[int, list[tuple[int, float]]]:
        query = self._query(clause)
        with self.index.searcher() as searcher:
            results = searcher.search(query, limit=offset + max(limit, 1))
            total = len(results)
            hits = [
                (int(hit[F.ID]), float(hit.score or 0.0))
                for hit in results[offset : offset + limit]
            ]
        return total, hits

    def all_ids(self) -> set[int]:
        with self.index.searcher() as searcher:
            return {int(fields[F.ID]) for fields in searcher.all_stored_fields()}

    def _query(self, clause: C.Clause) -> wq.Query:
        if isinstance(clause, C.All):
            return wq.Every()
        if isinstance(clause, C.Nothing):
            return wq.NullQuery
        if isinstance(clause, C.Term):
            return wq.Term(clause.field, clause.token, boost=clause.boost)
        if isinstance(clause, C.Phrase):
            return wq.Phrase(clause.field, list(clause.tokens), boost=clause.boost)
        if isinstance(clause, C.Range):
            return wq.NumericRange(clause.field, clause.low, clause.high)
        if isinstance(clause, C.Bool):
            must = [self._query(c) for c in clause.must]
            should = [self._query(c) for c in clause.should]
            if must:
                positive = wq.And(must) if len(must) > 1 else must[0]
                if should:
                    positive = wq.AndMaybe(positive, wq.Or(should))
            elif should:
                positive = wq.Or(should)
            else:
                positive = wq.Every()
            if clause.must_not:
                positive = wq.AndNot(positive, wq.Or([self._query(c) for c in clause.must_not]))
            return positive
        raise TypeError(f"unknown clause {clause!r}")
