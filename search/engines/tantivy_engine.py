"""tantivy (Rust, via the official bindings): the default engine.

Tokens come pre-analysed from ``search.vietnamese`` (space-separated), so the index uses
tantivy's whitespace tokenizer for text and raw terms for keywords.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import tantivy

from search import compile as C
from search import fields as F
from search.documents import IndexDoc
from search.engines import IndexUnavailable, check_version

WRITER_HEAP = 128 * 1024 * 1024
LOCK_WAIT_SECONDS = 30.0


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field(F.ID, stored=True, indexed=True, fast=True)
    for name in F.all_text_fields():
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in F.KEYWORDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(F.DAY, indexed=True, fast=True)
    return builder.build()


class TantivyIndex:
    name = "tantivy"

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        check_version(path)
        self.path = path
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        self._writer: tantivy.IndexWriter | None = None

    # -- writing ---------------------------------------------------------------------
    def _writer_now(self) -> tantivy.IndexWriter:
        if self._writer is None:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    self._writer = self.index.writer(WRITER_HEAP, 2)
                    break
                except ValueError as exc:  # another process holds the writer lock
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise IndexUnavailable(f"search index busy: {exc}") from None
                    time.sleep(0.1)
        return self._writer

    def add(self, docs: Sequence[IndexDoc]) -> None:
        self.delete([doc.id for doc in docs])  # replace: deletes apply to earlier adds
        writer = self._writer_now()
        for doc in docs:
            writer.add_document(_to_tantivy(doc))

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        # (delete_documents_by_term does not match unsigned fields in tantivy-py 0.27)
        query = tantivy.Query.term_set_query(self.schema, F.ID, list(ids))
        self._writer_now().delete_documents_by_query(query)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()  # releases the lock for other processes
            self._writer = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    # -- reading ---------------------------------------------------------------------
    def search(
        self, clause: C.Clause, offset: int, limit: int
    ) -> tuple[int, list[tuple[int, float]]]:
        self.index.reload()
        searcher = self.index.searcher()
        query = self._query(clause)
        result = searcher.search(query, limit=max(limit, 1), offset=offset, count=True)
        addresses = [address for _score, address in result.hits]
        ids = searcher.fast_field_values(F.ID, addresses) if addresses else []
        hits = [(int(mid), float(score)) for mid, (score, _a) in zip(ids, result.hits, strict=True)]
        return result.count, hits[:limit]

    def all_ids(self) -> set[int]:
        self.index.reload()
        searcher = self.index.searcher()
        total = searcher.num_docs
        if not total:
            return set()
        result = searcher.search(tantivy.Query.all_query(), limit=total, count=False)
        return set(searcher.fast_field_values(F.ID, [a for _s, a in result.hits]))

    def _query(self, clause: C.Clause) -> tantivy.Query:
        Q = tantivy.Query
        if isinstance(clause, C.All):
            return Q.all_query()
        if isinstance(clause, C.Nothing):
            return Q.empty_query()
        if isinstance(clause, C.Term):
            query = Q.term_query(self.schema, clause.field, clause.token)
            return query if clause.boost == 1.0 else Q.boost_query(query, clause.boost)
        if isinstance(clause, C.Phrase):
            query = Q.phrase_query(self.schema, clause.field, list(clause.tokens))
            return query if clause.boost == 1.0 else Q.boost_query(query, clause.boost)
        if isinstance(clause, C.Range):
            return Q.range_query(
                self.schema, clause.field, tantivy.FieldType.Integer, clause.low, clause.high
            )
        if isinstance(clause, C.Bool):
            parts = [(tantivy.Occur.Must, self._query(c)) for c in clause.must]
            parts += [(tantivy.Occur.Should, self._query(c)) for c in clause.should]
            parts += [(tantivy.Occur.MustNot, self._query(c)) for c in clause.must_not]
            if not clause.must and not clause.should:
                parts.append((tantivy.Occur.Must, Q.all_query()))
            return Q.boolean_query(parts)
        raise TypeError(f"unknown clause {clause!r}")


def _to_tantivy(doc: IndexDoc) -> tantivy.Document:
    out = tantivy.Document()
    out.add_unsigned(F.ID, doc.id)
    for name, toks in doc.text.items():
        if toks:
            out.add_text(name, " ".join(toks))
    for name, values in doc.keywords.items():
        for value in values:
            out.add_text(name, value)
    if doc.day is not None:
        out.add_integer(F.DAY, doc.day)
    return out
