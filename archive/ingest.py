"""The archive's front door: ``Archive.ingest`` and ``Archive.ingest_many``.

Order of work for each message: the raw bytes are written to the blob store (fsync) before
anything else, then the parts, then one database transaction records it all. A message
already archived (same SHA-256) only gains a new sighting. After the commit, the hooks
(extraction, search index, exchange log …) run; a failing hook is recorded and never undoes
the archiving.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.blobstore import BlobStore, FileBlobStore, PendingBlob
from archive.db import ensure_migrated, make_engine, session_factory, write_engine
from archive.documents.read import read_options
from archive.mime_walk import WalkLimits
from archive.models import Address, Blob, IngestError, Message, MessageSource, Part
from archive.prepare import PreparedMessage, ReadHere, sha256_of
from archive.prepare_pool import PreparePool
from config import Settings

log = logging.getLogger("govmail.archive")
error_log = logging.getLogger("govmail.error")

CHANNELS = ("import", "smtp", "imap")
# Larger attachments are left to the archive's readers, whose memory is bounded.
READ_HERE_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """Where a message came from. ``ref`` identifies the sighting (path, IMAP position, …)."""

    channel: str = "import"
    ref: str = ""
    mail_from: str | None = None
    rcpt_to: tuple[str, ...] = ()
    direction: str | None = None  # inbound | outbound | internal
    policy_action: str | None = None  # accept | tag | quarantine | … (SMTP only)
    policy_rule: str | None = None
    dkim_result: str | None = None  # pass | fail | none | temperror | permerror


@dataclass(frozen=True)
class IngestResult:
    id: int
    sha256: str
    new: bool
    new_source: bool
    parse_error: str | None
    attachments: int
    errors: tuple[str, ...] = ()
    # Attachments already read by the worker that parsed the message (sha256 -> Reading);
    # the documents hook reads the rest itself.
    readings: dict = field(default_factory=dict, compare=False, repr=False)
    derived: dict = field(default_factory=dict, compare=False, repr=False)  # hook name -> …


class IngestHook(Protocol):
    """Runs after messages are committed (extraction, indexing, exchange log …)."""

    name: str

    def __call__(self, archive: Archive, results: Sequence[IngestResult]) -> None: ...


class Archive:
    """Raw messages stored once, with their parts, in a database and a blob store."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        blobs: BlobStore,
        hooks: Sequence[IngestHook] = (),
    ):
        self.settings = settings
        self.engine = engine
        self.blobs = blobs
        self.hooks = list(hooks)
        self.sessions: sessionmaker[Session] = session_factory(engine)
        # For transactions that read and then write (ingest): the write lock up front.
        self.write_sessions: sessionmaker[Session] = session_factory(write_engine(engine))
        limits = settings.limits
        self.walk_limits = WalkLimits(
            max_depth=limits.max_nesting_depth,
            max_parts=limits.max_parts,
            max_archive_members=limits.max_archive_members,
            max_archive_bytes=limits.max_archive_bytes,
            max_compression_ratio=limits.max_compression_ratio,
        )

    @classmethod
    def open(
        cls, settings: Settings, hooks: Sequence[IngestHook] = (), migrate: bool = True
    ) -> Archive:
        """Open the configured database and blob store, applying pending migrations."""
        engine = make_engine(settings.database_url(), echo=settings.database.echo)
        if migrate:
            ensure_migrated(engine)
        blobs = FileBlobStore(
            settings.storage.resolved_blobs_dir(), level=settings.storage.compression_level
        )
        return cls(settings, engine, blobs, hooks)

    def close(self) -> None:
        for hook in self.hooks:
            close = getattr(hook, "close", None)
            if close is not None:
                close()  # e.g. the document readers' worker processes
        self.engine.dispose()

    def add_hook(self, hook: IngestHook) -> None:
        if any(h.name == hook.name for h in self.hooks):
            raise ValueError(f"duplicate ingest hook {hook.name!r}")
        self.hooks.append(hook)

    # -- ingest ----------------------------------------------------------------------
    def ingest(self, raw: bytes, source: Source | None = None) -> IngestResult:
        """Archive one message. Bad input never raises; storage failures do."""
        return next(iter(self.ingest_many([(raw, source or Source())], batch_size=1)))

    def ingest_many(
        self,
        items: Iterable[tuple[bytes, Source]],
        batch_size: int | None = None,
        workers: int = 0,
    ) -> Iterator[IngestResult]:
        """Archive a stream of messages in batches (one transaction per batch).

        With ``workers`` > 1, parsing runs in that many worker processes while the previous
        batch is stored (a two-stage pipeline); memory stays bounded by two batches.
        """
        size = batch_size or self.settings.ingest.batch_size
        spill_to = self.blobs.root if isinstance(self.blobs, FileBlobStore) else None
        pool = PreparePool(
            workers,
            self.walk_limits,
            spill_to,
            self.settings.storage.compression_level,
            self._read_here(),
        )
        inflight: deque[_Batch] = deque()
        try:
            for chunk in _chunks(items, size):
                inflight.append(self._start_batch(chunk, pool))
                if len(inflight) > 1:
                    yield from self._finish_batch(inflight.popleft(), pool)
            while inflight:
                yield from self._finish_batch(inflight.popleft(), pool)
        finally:
            pool.close()

    def _read_here(self) -> ReadHere | None:
        """Workers read attachments too when the documents hook would read them next."""
        docs = self.settings.documents
        if not docs.extract or not any(h.name == "documents" for h in self.hooks):
            return None
        return ReadHere(
            read_options(docs),
            max_bytes=min(docs.max_bytes, READ_HERE_MAX_BYTES),
            timeout_seconds=docs.timeout_seconds,
            memory_mb=(
                docs.memory_mb + 8 * self.settings.limits.max_message_bytes // 2**20
                if docs.memory_mb
                else 0
            ),
            text_steps=tuple(
                (h.name, h.worker_step) for h in self.hooks if getattr(h, "worker_step", None)
            ),
        )

    def _start_batch(self, chunk: list[tuple[bytes, Source]], pool: PreparePool) -> _Batch:
        """Hash, skip what is archived already, and start preparing the rest."""
        batch = _Batch(started=time.monotonic())
        batch.keyed = [(sha256_of(raw), raw, src) for raw, src in chunk]
        with self.sessions() as session:
            known = _existing(session, [k for k, *_ in batch.keyed])
        limit = self.settings.limits.max_message_bytes
        for sha, raw, _src in batch.keyed:
            if sha in known or sha in batch.todo:
                continue
            if len(raw) > limit:
                batch.todo[sha] = _oversize(raw, sha, limit)
            else:
                batch.todo[sha] = pool.submit(raw, sha)
        return batch

    def _finish_batch(self, batch: _Batch, pool: PreparePool) -> list[IngestResult]:
        raws = {sha: raw for sha, raw, _src in batch.keyed}
        todo = {sha: pool.result(job, raws[sha], sha) for sha, job in batch.todo.items()}
        blobs = [b for pre in todo.values() for b in pre.blobs.values()]
        stored = self.blobs.put_many(blobs)  # durable before the database points at them
        keyed = [(sha, None, src, None) for sha, _raw, src in batch.keyed]
        results = self._record(keyed, todo, stored)
        results = [
            replace(r, readings=todo[r.sha256].readings, derived=todo[r.sha256].derived)
            if r.new and (todo[r.sha256].readings or todo[r.sha256].derived)
            else r
            for r in results
        ]
        for result in results:
            if result.new:
                log.info(
                    json.dumps(
                        {
                            "event": "archived",
                            "id": result.id,
                            "sha256": result.sha256[:16],
                            "attachments": result.attachments,
                            "parse_error": result.parse_error,
                            "ms": round((time.monotonic() - batch.started) * 1000, 1),
                        },
                        ensure_ascii=False,
                    )
                )
        self.run_hooks(results)
        return results

    def _record(
        self, keyed, todo: dict[str, PreparedMessage], stored: dict[str, int]
    ) -> list[IngestResult]:
        for attempt in range(5):
            try:
                with self.write_sessions() as session, session.begin():
                    return _write(session, keyed, todo, stored)
            except IntegrityError:
                # Another process archived one of these meanwhile: re-read and retry.
                if attempt == 4:
                    raise
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise RuntimeError("unreachable")

    def run_hooks(self, results: Sequence[IngestResult]) -> None:
        for hook in self.hooks:
            try:
                hook(self, results)
            except Exception as exc:
                error_log.exception("ingest hook %s failed", hook.name)
                self.record_error(
                    "hook",
                    hook.name,
                    f"{type(exc).__name__}: {exc}",
                    [r.id for r in results if r.new or r.new_source],
                )

    def refresh(self, message_ids: Sequence[int]) -> None:
        """Tell the hooks that derived data of these messages changed (OCR finished,
        re-extraction): each hook with a ``refresh`` method brings its view up to date."""
        for hook in self.hooks:
            refresh = getattr(hook, "refresh", None)
            if refresh is None:
                continue
            try:
                refresh(self, message_ids)
            except Exception as exc:
                error_log.exception("ingest hook %s failed to refresh", hook.name)
                self.record_error(
                    "hook", hook.name, f"{type(exc).__name__}: {exc}", list(message_ids)[:100]
                )

    def record_error(
        self,
        channel: str,
        stage: str,
        error: str,
        message_ids: Sequence[int | None] = (None,),
        ref: str = "",
    ) -> None:
        with self.sessions() as session, session.begin():
            for mid in message_ids or (None,):
                session.add(
                    IngestError(
                        channel=channel,
                        stage=stage[:32],
                        error=error,
                        ref=ref[:1000],
                        message_id=mid,
                    )
                )


@dataclass
class _Batch:
    started: float
    keyed: list[tuple[str, bytes, Source]] = field(default_factory=list)
    todo: dict[str, object] = field(default_factory=dict)  # sha -> job or PreparedMessage


def _chunks(items: Iterable[tuple[bytes, Source]], size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _existing(session: Session, shas: list[str]) -> dict[str, int]:
    rows = session.execute(select(Message.sha256, Message.id).where(Message.sha256.in_(set(shas))))
    return dict(rows.all())


def _oversize(raw: bytes, sha: str, limit: int) -> PreparedMessage:
    pre = PreparedMessage(sha256=sha, size=len(raw))
    pre.blobs[sha] = PendingBlob(sha, len(raw), raw)
    pre.parse_error = f"message of {len(raw)} bytes is over limits.max_message_bytes ({limit})"
    return pre


def _write(
    session: Session,
    keyed,
    todo: dict[str, PreparedMessage],
    stored: dict[str, int],
) -> list[IngestResult]:
    known = _existing(session, [k for k, *_ in keyed])
    fresh = {sha: pre for sha, pre in todo.items() if sha not in known}
    _insert_blobs(session, fresh.values(), stored)
    first_source: dict[str, Source] = {}
    for sha, _raw, src, _pre in keyed:
        first_source.setdefault(sha, src)
    ids = dict(known)
    if fresh:
        rows = [_message_row(pre, first_source[sha]) for sha, pre in fresh.items()]
        inserted = session.execute(
            insert(Message.__table__).returning(
                Message.__table__.c.sha256, Message.__table__.c.id, sort_by_parameter_order=True
            ),
            rows,
        )
        ids.update(dict(inserted.all()))
        _insert_children(session, fresh, ids)
    new_sources = _insert_sources(session, keyed, ids)
    results = []
    reported: set[str] = set()
    for sha, _raw, src, _pre in keyed:
        pre = fresh.get(sha)
        is_new = pre is not None and sha not in reported
        reported.add(sha)
        results.append(
            IngestResult(
                id=ids[sha],
                sha256=sha,
                new=is_new,
                new_source=(sha, src.channel, src.ref) in new_sources,
                parse_error=pre.parse_error if pre else None,
                attachments=pre.attachment_count if pre else 0,
                errors=tuple(pre.errors) if pre else (),
            )
        )
    return results


def _insert_blobs(
    session: Session, prepared: Iterable[PreparedMessage], stored: dict[str, int]
) -> None:
    sizes: dict[str, int] = {}
    for pre in prepared:
        for key, blob in pre.blobs.items():
            sizes[key] = blob.size
    if not sizes:
        return
    have = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(list(sizes)))))
    rows = [
        {"sha256": key, "size": size, "stored_size": stored.get(key, size)}
        for key, size in sizes.items()
        if key not in have
    ]
    if rows:
        session.execute(insert(Blob.__table__), rows)


def _message_row(pre: PreparedMessage, src: Source) -> dict:
    return {
        "sha256": pre.sha256,
        "message_id": pre.message_id,
        "subject": pre.subject,
        "sent_at": pre.sent_at,
        "from_address": (pre.from_address or None) and pre.from_address[:320],
        "from_name": pre.from_name,
        "size": pre.size,
        "content_type": (pre.content_type or None) and pre.content_type[:255],
        "attachment_count": pre.attachment_count,
        "body_text_sha256": pre.body_text_sha256,
        "parse_error": pre.parse_error,
        "defects": ",".join(pre.defects) or None,
        "channel": src.channel,
        "direction": src.direction,
        "policy_action": src.policy_action,
        "policy_rule": src.policy_rule,
        "dkim_result": src.dkim_result,
    }


def _insert_children(
    session: Session, fresh: dict[str, PreparedMessage], ids: dict[str, int]
) -> None:
    addresses, parts, errors = [], [], []
    for sha, pre in fresh.items():
        mid = ids[sha]
        for a in pre.addresses:
            addresses.append(
                {
                    "message_id": mid,
                    "role": a.role,
                    "address": a.address[:320],
                    "name": a.name,
                    "domain": (a.domain or None) and a.domain[:255],
                }
            )
        for p in pre.parts:
            parts.append(
                {
                    "message_id": mid,
                    "ordinal": p.ordinal,
                    "parent_ordinal": p.parent,
                    "path": p.path,
                    "container": p.container,
                    "depth": p.depth,
                    "declared_type": p.declared_type,
                    "detected_type": p.detected_type,
                    "filename": p.filename,
                    "disposition": p.disposition,
                    "charset": p.charset,
                    "size": p.size,
                    "sha256": p.sha256,
                    "is_attachment": p.is_attachment,
                    "error": p.error,
                }
            )
        if pre.parse_error:
            errors.append(
                {
                    "channel": "archive",
                    "stage": "parse",
                    "error": pre.parse_error,
                    "ref": "",
                    "message_id": mid,
                }
            )
        for err in pre.errors:
            errors.append(
                {
                    "channel": "archive",
                    "stage": "walk",
                    "error": err[:2000],
                    "ref": "",
                    "message_id": mid,
                }
            )
    for model, rows in ((Address, addresses), (Part, parts), (IngestError, errors)):
        if rows:
            session.execute(insert(model.__table__), rows)


def _insert_sources(session: Session, keyed, ids: dict[str, int]) -> set[tuple[str, str, str]]:
    wanted: dict[tuple[str, str, str], dict] = {}
    for sha, _raw, src, _pre in keyed:
        key = (sha, src.channel, src.ref[:1000])
        wanted.setdefault(
            key,
            {
                "message_id": ids[sha],
                "channel": src.channel,
                "ref": src.ref[:1000],
                "mail_from": src.mail_from,
                "rcpt_to": json.dumps(list(src.rcpt_to)) if src.rcpt_to else None,
                "direction": src.direction,
                "policy_action": src.policy_action,
                "policy_rule": src.policy_rule,
                "dkim_result": src.dkim_result,
            },
        )
    by_id = {v["message_id"]: k[0] for k, v in wanted.items()}
    present = set()
    rows = session.execute(
        select(MessageSource.message_id, MessageSource.channel, MessageSource.ref).where(
            MessageSource.message_id.in_(list(by_id))
        )
    )
    for mid, channel, ref in rows:
        present.add((by_id[mid], channel, ref))
    new = [row for key, row in wanted.items() if key not in present]
    if new:
        session.execute(insert(MessageSource.__table__), new)
    return {key for key in wanted if key not in present}
