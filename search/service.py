"""Search over the archive: index new mail, answer queries, rebuild, prove completeness.

``SearchService`` is what the CLI, the gateway and the web call. ``IndexHook`` is the
indexer the archive runs after each committed batch (ARCHITECTURE.md: the archive takes an
indexer object; it never imports search).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from archive.ingest import Archive, IngestResult
from archive.models import IndexedMessage, Message
from archive.queries import message_id_batches
from config import Settings
from search.analysed import AnalysedText, analyse_texts
from search.compile import compile_query
from search.documents import IndexDoc, build_documents, message_texts
from search.engines import SearchIndex, open_engine
from search.query import parse
from search.scope import Scope
from search.snippets import Snippet, locate

log = logging.getLogger("govmail.search")
PARALLEL_FROM = 20_000  # messages: below this, starting worker processes costs more
# Hits skipped before a page: the engine collects every one of them first (tantivy sizes
# its heap for them, so page 999999999 would ask for hundreds of gigabytes).
MAX_OFFSET = 100_000


class PageOutOfReach(ValueError):
    """A page too far into the hits to fetch."""


error_log = logging.getLogger("govmail.error")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Hit:
    id: int
    message_id: str | None
    date: datetime | None
    sender: str | None
    sender_name: str | None
    subject: str | None
    matched_in: str
    snippet: Snippet
    score: float

    def as_json(self) -> dict:
        return {
            "message": self.id,
            "message_id": self.message_id,
            "date": self.date.isoformat() if self.date else None,
            "from": self.sender,
            "subject": self.subject,
            "matched_in": self.matched_in,
            "snippet": self.snippet.text(),
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    def as_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "hits": [h.as_json() for h in self.hits],
        }


@dataclass
class CheckReport:
    messages: int = 0
    missing: list[int] = field(default_factory=list)  # archived, not (or not fully) indexed
    stale: list[int] = field(default_factory=list)  # indexed before new text arrived
    extra: list[int] = field(default_factory=list)  # in the index, not in the archive
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def index_path(settings: Settings) -> Path:
    base = settings.search.index_dir or settings.storage.data_dir / "index"
    return Path(base) / settings.search.engine


class SearchService:
    def __init__(self, settings: Settings, archive: Archive, engine: SearchIndex | None = None):
        self.settings = settings
        self.archive = archive
        self.engine = engine or open_engine(settings.search.engine, index_path(settings))

    def close(self) -> None:
        self.engine.close()

    # -- indexing --------------------------------------------------------------------
    def index_messages(
        self, ids: Sequence[int], analysed: Mapping[str, AnalysedText] | None = None
    ) -> int:
        """Index (or re-index) these messages and record what was indexed."""
        ids = sorted(set(ids))
        if not ids:
            return 0
        with self.archive.sessions() as session:
            docs = build_documents(session, self.archive.blobs, ids, analysed)
        self.engine.add(docs)
        self.engine.commit()
        self._record(docs)
        return len(docs)

    def _record(self, docs: Sequence[IndexDoc]) -> None:
        engine = self.engine.name
        with self.archive.sessions() as session, session.begin():
            session.execute(
                delete(IndexedMessage).where(
                    IndexedMessage.engine == engine,
                    IndexedMessage.message_id.in_([d.id for d in docs]),
                )
            )
            session.add_all(
                IndexedMessage(message_id=d.id, engine=engine, signature=d.signature) for d in docs
            )

    def reindex(self, progress: Progress | None = None) -> int:
        """Delete the index and rebuild it from the archive (stored text; no extraction)."""
        path = index_path(self.settings)
        self.engine.close()
        shutil.rmtree(path, ignore_errors=True)
        self.engine = open_engine(self.settings.search.engine, path)
        with self.archive.sessions() as session, session.begin():
            session.execute(delete(IndexedMessage).where(IndexedMessage.engine == self.engine.name))
        done = 0
        try:
            for ids, docs in self._documents(self._id_batches()):
                self.engine.add(docs)
                self._record(docs)
                done += len(docs)
                if progress:
                    progress(len(ids))
        finally:
            # also when interrupted (Ctrl-C): what is recorded as indexed is in the index,
            # so `search check --repair` adds only the rest
            self.engine.commit()
        return done

    def _documents(self, batches: Iterator[list[int]]) -> Iterator[tuple[list[int], list]]:
        """Documents per batch: in worker processes for big archives, else here."""
        if self.message_count() >= PARALLEL_FROM and self.settings.search.workers != 1:
            from search.parallel import build_in_parallel

            yield from build_in_parallel(
                self.settings, batches, self.settings.search.workers or None
            )
            return
        for ids in batches:
            with self.archive.sessions() as session:
                docs = build_documents(session, self.archive.blobs, ids)
            yield ids, docs  # outside the session: the caller writes meanwhile

    def _id_batches(self) -> Iterator[list[int]]:
        return message_id_batches(self.archive.sessions, self.settings.search.batch_size)

    def message_count(self) -> int:
        with self.archive.sessions() as session:
            return session.scalar(select(func.count(Message.id))) or 0

    def check(self, repair: bool = False, progress: Progress | None = None) -> CheckReport:
        """Prove every archived message (with its documents' text) is in the index."""
        report = CheckReport()
        in_index = self.engine.all_ids()
        archived: set[int] = set()
        engine = self.engine.name
        for ids, docs in self._documents(self._id_batches()):
            archived.update(ids)
            with self.archive.sessions() as session:
                recorded = dict(
                    session.execute(
                        select(IndexedMessage.message_id, IndexedMessage.signature).where(
                            IndexedMessage.engine == engine, IndexedMessage.message_id.in_(ids)
                        )
                    ).all()
                )
            for doc in docs:
                report.messages += 1
                if doc.id not in in_index or doc.id not in recorded:
                    report.missing.append(doc.id)
                elif recorded[doc.id] != doc.signature:
                    report.stale.append(doc.id)
            if progress:
                progress(len(ids))
        report.extra = sorted(in_index - archived)
        if repair and not report.ok:
            todo = report.missing + report.stale
            for start in range(0, len(todo), self.settings.search.batch_size):
                self.index_messages(todo[start : start + self.settings.search.batch_size])
            if report.extra:
                self.engine.delete(report.extra)
                self.engine.commit()
            report.repaired = True
        return report

    def pending(self) -> list[int]:
        """Archived messages this engine has no record of (a failed index write)."""
        with self.archive.sessions() as session:
            indexed = select(IndexedMessage.message_id).where(
                IndexedMessage.engine == self.engine.name
            )
            return list(
                session.scalars(
                    select(Message.id)
                    .where(Message.id.not_in(indexed))
                    .order_by(Message.id)
                    .limit(10_000)
                )
            )

    # -- searching -------------------------------------------------------------------
    def search(
        self, query: str, scope: Scope, page: int = 1, limit: int | None = None
    ) -> SearchPage:
        """Ranked, paginated hits with exact totals. Raises QuerySyntaxError."""
        limit = limit or self.settings.search.page_size
        page = max(1, page)
        if (page - 1) * limit > MAX_OFFSET:
            raise PageOutOfReach(
                f"page {page} starts beyond the first {MAX_OFFSET:,} hits: "
                "narrow the query instead (a date range, from:, type: …)"
            )
        plan = compile_query(parse(query), scope)
        total, found = self.engine.search(plan.clause, (page - 1) * limit, limit)
        hits = self._hits(found, plan.terms)
        return SearchPage(query, total, page, limit, hits)

    def _hits(self, found: list[tuple[int, float]], terms: list[str]) -> list[Hit]:
        ids = [mid for mid, _score in found]
        if not ids:
            return []
        with self.archive.sessions() as session:
            messages = {
                m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))
            }
            texts = message_texts(session, self.archive.blobs, ids)
        hits = []
        for mid, score in found:
            msg = messages.get(mid)
            if msg is None:  # deleted from the archive since it was indexed
                continue
            matched_in, snippet = locate(texts[mid], terms)
            hits.append(
                Hit(
                    mid,
                    msg.message_id,
                    msg.sent_at,
                    msg.from_address,
                    msg.from_name,
                    msg.subject,
                    matched_in,
                    snippet,
                    score,
                )
            )
        return hits


class IndexHook:
    """The archive's indexer: new mail is searchable as soon as its batch commits.

    A failed index write is retried; if it still fails the message stays archived and
    is listed by ``pending``/``search check``, which the gateway and CLI repair.
    """

    name = "index"
    # Run by the import workers on each new text (archive.prepare): the analysis, the
    # costliest part of indexing, then happens in parallel instead of in this hook.
    worker_step = staticmethod(analyse_texts)

    def __init__(self, settings: Settings):
        self.settings = settings
        self._service: SearchService | None = None

    def _svc(self, archive: Archive) -> SearchService:
        if self._service is None:
            self._service = SearchService(self.settings, archive)
        return self._service

    def __call__(self, archive: Archive, results: Sequence[IngestResult]) -> None:
        ids = [r.id for r in results if r.new or r.new_source]
        analysed: dict[str, AnalysedText] = {}
        for result in results:
            analysed.update(result.derived.get(self.name) or {})
        self.refresh(archive, ids, analysed)

    def refresh(
        self,
        archive: Archive,
        message_ids: Sequence[int],
        analysed: Mapping[str, AnalysedText] | None = None,
    ) -> None:
        if not message_ids:
            return
        attempts = self.settings.search.index_attempts
        for attempt in range(1, attempts + 1):
            try:
                self._svc(archive).index_messages(message_ids, analysed)
                return
            except Exception as exc:
                if attempt == attempts:
                    error_log.error(
                        json.dumps(
                            {
                                "event": "index-failed",
                                "messages": list(message_ids)[:20],
                                "error": f"{type(exc).__name__}: {exc}",
                                "repair": "govmail search check --repair",
                            }
                        )
                    )
                    raise
                if self._service is not None:
                    self._service.close()
                    self._service = None
                time.sleep(0.2 * attempt)
