"""Bring one folder up to date: EXAMINE, list new UIDs, fetch in batches, archive, advance.

Fetching batch n+1 overlaps archiving batch n (in a thread). The folder's position moves
only after the archive committed a batch, so a connection lost anywhere resumes from the
last committed batch. A message the server cannot deliver, or the archive cannot take, is
recorded (``Archive.record_error``) and skipped; the folder goes on, and later syncs fetch
the skipped ones again, less and less often, until they are archived or given up
(``folder_plan.retry_due``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from archive.ingest import Archive, Source
from config.sections.imap import ImapAccount
from gateway.imap.client import FetchedMessage, ImapClient, MailboxStatus
from gateway.imap.errors import ImapConnectionLost
from gateway.imap.folder_plan import PlannedFolder, needs_rescan, plan_batches, sighting_ref
from gateway.imap.state import FolderStates

log = logging.getLogger("govmail.imap")
POISON_AFTER = 2
POISONED = "the server drops the connection whenever this message is fetched"
error_log = logging.getLogger("govmail.error")


class SyncObserver(Protocol):
    """What a progress display wants to hear; every method must be cheap."""

    def folder_started(self, account: str, folder: str, total: int) -> None: ...
    def advanced(self, account: str, folder: str, count: int) -> None: ...
    def folder_finished(self, account: str, folder: str) -> None: ...
    def problem(self, account: str, text: str) -> None: ...


class QuietObserver:
    def folder_started(self, account: str, folder: str, total: int) -> None:
        pass

    def advanced(self, account: str, folder: str, count: int) -> None:
        pass

    def folder_finished(self, account: str, folder: str) -> None:
        pass

    def problem(self, account: str, text: str) -> None:
        pass


@dataclass
class Batch:
    """One UID FETCH worth of messages, and the UIDs the server would not give."""

    uids: Sequence[int]
    messages: list[FetchedMessage] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)

    def discard(self) -> None:
        for message in self.messages:
            message.discard()


@dataclass
class FolderSync:
    account: ImapAccount
    archive: Archive
    states: FolderStates
    batch_size: int
    batch_bytes: int
    ingest_lock: threading.Lock
    observer: SyncObserver = field(default_factory=QuietObserver)
    # folder -> UID -> times it lost the connection alone (0: was in a batch that did).
    trouble: dict[str, dict[int, int]] = field(default_factory=dict)
    no_sizes: set[str] = field(default_factory=set)
    # Messages stored by every committed batch, a folder cut short by a lost connection too.
    committed: int = 0

    async def run(self, client: ImapClient, planned: PlannedFolder) -> int:
        """Archive what is new in ``planned``; returns how many messages were stored."""
        name = self.account.name
        status = await client.examine(planned.name)
        position = await asyncio.to_thread(
            self.states.position, name, planned.name, planned.direction
        )
        last_uid = position.last_uid
        if position.uidvalidity != status.uidvalidity:
            rescan = needs_rescan(position.uidvalidity, status.uidvalidity)
            if rescan:
                log.warning(
                    "%s/%s: UIDVALIDITY changed %s -> %s; reading the whole folder again",
                    name, planned.display, position.uidvalidity, status.uidvalidity,
                )  # fmt: skip
            await asyncio.to_thread(
                self.states.start_over, name, planned.name, status.uidvalidity, rescan
            )
            last_uid = 0
        await asyncio.to_thread(
            self.states.seen_server, name, planned.name, status.uidnext, status.exists
        )
        stored = 0
        caught_up = status.uidnext is not None and status.uidnext - 1 <= last_uid
        if status.exists and not caught_up:
            sizes = await self._list(client, planned.name, last_uid + 1)
            if sizes:
                self.observer.folder_started(name, planned.display, len(sizes))
                stored = await self._pipeline(client, planned, status, sizes)
                self.observer.folder_finished(name, planned.display)
        return stored + await self._retry_skipped(client, planned, status)

    async def _retry_skipped(
        self, client: ImapClient, planned: PlannedFolder, status: MailboxStatus
    ) -> int:
        """Fetch again the skipped messages that are due, after the new ones."""
        due = await asyncio.to_thread(
            self.states.due_skipped, self.account.name, planned.name, status.uidvalidity
        )
        if not due:
            return 0
        log.info("%s/%s: fetching %d skipped message(s) again",
                 self.account.name, planned.display, len(due))  # fmt: skip
        stored = 0
        for uids in plan_batches([(uid, 0) for uid in due], self.batch_size, self.batch_bytes):
            batch = await self._fetch(client, planned.name, uids)
            stored += await asyncio.to_thread(self._store, planned, status.uidvalidity, batch)
        return stored

    async def _list(self, client: ImapClient, folder: str, first_uid: int) -> list:
        """(UID, size) from ``first_uid`` on. Listing sizes makes the server read messages
        it has not indexed; if that lost the connection, list UIDs alone (sizes 0)."""
        with_sizes = folder not in self.no_sizes
        try:
            return await client.uid_sizes(first_uid, with_sizes)
        except ImapConnectionLost:
            self.no_sizes.add(folder)
            raise

    async def _pipeline(
        self,
        client: ImapClient,
        planned: PlannedFolder,
        status: MailboxStatus,
        sizes: Sequence[tuple[int, int]],
    ) -> int:
        stored = 0
        pending: asyncio.Future | None = None
        try:
            for uids in plan_batches(sizes, self.batch_size, self.batch_bytes):
                batch = await self._fetch(client, planned.name, uids)
                if pending is not None:
                    stored += await pending
                pending = asyncio.ensure_future(
                    asyncio.to_thread(self._store, planned, status.uidvalidity, batch)
                )
            if pending is not None:
                stored += await pending
                pending = None
        finally:
            if pending is not None and not pending.done():
                # Let the batch in hand commit (and the position move) before giving up.
                with contextlib.suppress(BaseException):
                    await pending
        return stored

    async def _fetch(self, client: ImapClient, folder: str, uids: Sequence[int]) -> Batch:
        """Fetch ``uids``; those under suspicion one at a time, poisoned ones not at all."""
        trouble = self.trouble.setdefault(folder, {})
        suspects = [uid for uid in uids if uid in trouble]
        if not suspects:
            return await self._fetch_plain(client, folder, uids)
        batch = Batch(uids)
        for uid in uids:
            if trouble.get(uid, 0) >= POISON_AFTER:
                batch.failures.append((uid, POISONED))
                continue
            one = await self._fetch_plain(client, folder, [uid])
            batch.messages += one.messages
            batch.failures += one.failures
            trouble.pop(uid, None)
        return batch

    async def _fetch_plain(self, client: ImapClient, folder: str, uids: Sequence[int]) -> Batch:
        trouble = self.trouble.setdefault(folder, {})
        try:
            result = await client.fetch(uids)
        except ImapConnectionLost:
            # Some servers (Dovecot) hang up when one message cannot be read. Next time
            # this batch is fetched one message at a time, and a message that loses the
            # connection by itself twice is skipped.
            if len(uids) == 1:
                trouble[uids[0]] = trouble.get(uids[0], 0) + 1
            else:
                for uid in uids:
                    trouble.setdefault(uid, 0)
            raise
        wanted = set(uids)
        got = {m.uid: m for m in result.messages if m.uid in wanted and m.has_body}
        for extra in result.messages:
            if got.get(extra.uid) is not extra:
                extra.discard()
        batch = Batch(uids)
        missing = [uid for uid in uids if uid not in got]
        if missing and result.failed:
            # The server failed on part of the batch: ask for the rest one by one, so one
            # unreadable message costs only itself.
            for uid in missing:
                one = await client.fetch([uid])
                found = next((m for m in one.messages if m.uid == uid and m.has_body), None)
                if found is None:
                    batch.failures.append((uid, one.failed or "the server sent no body"))
                else:
                    got[uid] = found
        batch.messages = [got[uid] for uid in uids if uid in got]
        return batch

    def _store(self, planned: PlannedFolder, uidvalidity: int, batch: Batch) -> int:
        """Archive one batch, record its failures, then move the folder's position."""
        name = self.account.name

        def ref(uid: int) -> str:
            return sighting_ref(name, planned.folder, uidvalidity, uid)

        def items() -> Iterator[tuple[bytes, Source]]:
            for message in batch.messages:
                source = Source(channel="imap", ref=ref(message.uid), direction=planned.direction)
                yield message.read(), source

        failures = list(batch.failures)
        stored = 0
        try:
            with self.ingest_lock:
                try:
                    stored = len(
                        list(self.archive.ingest_many(items(), batch_size=len(batch.uids)))
                    )
                except Exception:
                    error_log.exception("%s/%s: batch failed; one by one", name, planned.display)
                    stored, failed = self._one_by_one(items())
                    failures += [(int(r.rsplit("=", 1)[1]), e) for r, e in failed]
            for uid, error in failures:
                text = f"{name}/{planned.display} UID {uid}: {error}"
                error_log.error("imap: skipped %s", text)
                self.archive.record_error("imap", "fetch", text, ref=ref(uid))
            self.states.advance(name, planned.name, uidvalidity, batch.uids, stored, failures)
            self.committed += stored
            if failures:
                uid, error = failures[-1]
                self.states.error(name, planned.name, f"UID {uid}: {error}")
                self.observer.problem(name, f"{planned.display} UID {uid} skipped: {error}")
        finally:
            batch.discard()
        self.observer.advanced(name, planned.display, len(batch.uids))
        return stored

    def _one_by_one(self, items: Iterator[tuple[bytes, Source]]) -> tuple[int, list]:
        stored, failed = 0, []
        for raw, source in items:
            try:
                self.archive.ingest(raw, source)
                stored += 1
            except Exception as exc:
                failed.append((source.ref, f"archive: {type(exc).__name__}: {exc}"))
        return stored, failed
