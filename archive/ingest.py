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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.blobstore import BlobStore, FileBlobStore
from archive.db import ensure_migrated, make_engine, session_factory
from archive.mime_walk import WalkLimits
from archive.models import Address, Blob, IngestError, Message, MessageSource, Part
from archive.prepare import PreparedMessage, prepare, sha256_of
from config import Settings

log = logging.getLogger("govmail.archive")
error_log = logging.getLogger("govmail.error")

CHANNELS = ("import", "smtp", "imap")


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
        prepared: Iterable[PreparedMessage | None] | None = None,
    ) -> Iterator[IngestResult]:
        """Archive a stream of messages in batches (one transaction per batch).

        ``prepared`` may carry the already prepared form of each item (from worker
        processes), in the same order; None entries are prepared here.
        """
        size = batch_size or self.settings.ingest.batch_size
        batch: list[tuple[bytes, Source, PreparedMessage | None]] = []
        prepared_iter = iter(prepared) if prepared is not None else None
        for raw, source in items:
            pre = next(prepared_iter) if prepared_iter is not None else None
            batch.append((raw, source, pre))
            if len(batch) >= size:
                yield from self._ingest_batch(batch)
                batch = []
        if batch:
            yield from self._ingest_batch(batch)

    def _ingest_batch(
        self, batch: list[tuple[bytes, Source, PreparedMessage | None]]
    ) -> list[IngestResult]:
        started = time.monotonic()
        keyed = [(pre.sha256 if pre else sha256_of(raw), raw, src, pre) for raw, src, pre in batch]
        with self.sessions() as session:
            known = _existing(session, [k for k, *_ in keyed])
        todo: dict[str, PreparedMessage] = {}
        for sha, raw, _src, pre in keyed:
            if sha in known or sha in todo:
                continue
            if len(raw) > self.settings.limits.max_message_bytes:
                todo[sha] = _oversize(raw, sha, self.settings.limits.max_message_bytes)
            else:
                todo[sha] = pre or prepare(raw, self.walk_limits, sha)
        for pre in todo.values():  # raw message first, then its parts: fsync'd, renamed
            self.blobs.put(pre.blobs[pre.sha256], pre.sha256)
            for key, data in pre.blobs.items():
                if key != pre.sha256:
                    self.blobs.put(data, key)
        results = self._record(keyed, todo)
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
                            "ms": round((time.monotonic() - started) * 1000, 1),
                        },
                        ensure_ascii=False,
                    )
                )
        self.run_hooks(results)
        return results

    def _record(self, keyed, todo: dict[str, PreparedMessage]) -> list[IngestResult]:
        for attempt in range(5):
            try:
                with self.sessions() as session, session.begin():
                    return _write(session, keyed, todo, self.blobs)
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


def _existing(session: Session, shas: list[str]) -> dict[str, int]:
    rows = session.execute(select(Message.sha256, Message.id).where(Message.sha256.in_(set(shas))))
    return dict(rows.all())


def _oversize(raw: bytes, sha: str, limit: int) -> PreparedMessage:
    pre = PreparedMessage(sha256=sha, size=len(raw))
    pre.blobs[sha] = raw
    pre.parse_error = f"message of {len(raw)} bytes is over limits.max_message_bytes ({limit})"
    return pre


def _write(
    session: Session,
    keyed,
    todo: dict[str, PreparedMessage],
    blobs: BlobStore,
) -> list[IngestResult]:
    known = _existing(session, [k for k, *_ in keyed])
    fresh = {sha: pre for sha, pre in todo.items() if sha not in known}
    _insert_blobs(session, fresh.values(), blobs)
    first_source: dict[str, Source] = {}
    for sha, _raw, src, _pre in keyed:
        first_source.setdefault(sha, src)
    ids = dict(known)
    if fresh:
        rows = [_message_row(pre, first_source[sha]) for sha, pre in fresh.items()]
        inserted = session.execute(
            insert(Message).returning(Message.sha256, Message.id, sort_by_parameter_order=True),
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


def _insert_blobs(session: Session, prepared: Iterable[PreparedMessage], store: BlobStore) -> None:
    sizes: dict[str, int] = {}
    for pre in prepared:
        for key, data in pre.blobs.items():
            sizes[key] = len(data)
    if not sizes:
        return
    have = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(list(sizes)))))
    rows = []
    for key, size in sizes.items():
        if key in have:
            continue
        stored = _stored_size(store, key, size)
        rows.append({"sha256": key, "size": size, "stored_size": stored})
    if rows:
        session.execute(insert(Blob), rows)


def _stored_size(store: BlobStore, key: str, size: int) -> int:
    if isinstance(store, FileBlobStore):
        try:
            return store.path_for(key).stat().st_size
        except FileNotFoundError:
            return size
    return size


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
            session.execute(insert(model), rows)


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
        session.execute(insert(MessageSource), new)
    return {key for key in wanted if key not in present}
