"""Keep accounts in sync: initial import, then IDLE (or polling) for new mail, reconnecting
with exponential backoff. Several accounts run concurrently; archiving is serialised
because the archive's hooks (search index writer) take one batch at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from dataclasses import dataclass

from archive.ingest import Archive
from config import Settings
from config.sections.imap import ImapAccount
from gateway.imap.client import ImapClient
from gateway.imap.errors import (
    ImapCommandFailed,
    ImapConnectionLost,
    ImapError,
    ImapLoginFailed,
    ImapTlsError,
)
from gateway.imap.folder_plan import PlannedFolder, matches, select_folders
from gateway.imap.state import FolderStates
from gateway.imap.sync import FolderSync, QuietObserver, SyncObserver
from gateway.relay_worker import backoff

log = logging.getLogger("govmail.imap")

IDLE_MAX_SECONDS = 29 * 60  # RFC 2177: re-issue IDLE before servers drop it at 30 minutes


def backoff_delay(attempt: int, base: float, cap: float, jitter: float = 0.0) -> float:
    """Seconds before reconnect ``attempt`` (1, 2, …): doubling from ``base`` up to ``cap``,
    stretched by ``jitter`` (0..1) so many accounts do not reconnect in step."""
    return backoff(attempt, base, cap) * (1 + 0.25 * jitter)


@dataclass
class AccountOutcome:
    account: str
    error: str | None = None
    stored: int = 0


class AccountSync:
    """One account: connect, sync every chosen folder, wait for news, repeat."""

    def __init__(
        self,
        account: ImapAccount,
        settings: Settings,
        archive: Archive,
        ingest_lock: threading.Lock,
        work_slots: asyncio.Semaphore,
        observer: SyncObserver,
    ):
        self.account = account
        self.imap = settings.imap
        self.archive = archive
        self.states = FolderStates(archive.sessions)
        self.work_slots = work_slots
        self.observer = observer
        self.folder_sync = FolderSync(
            account,
            archive,
            self.states,
            settings.imap.batch_size,
            settings.imap.batch_bytes,
            ingest_lock,
            observer,
        )
        self.passes = 0

    @property
    def stored(self) -> int:
        """Messages archived so far, counted per committed batch (so a folder that lost
        the connection midway still counts what it archived)."""
        return self.folder_sync.committed

    def _client(self) -> ImapClient:
        return ImapClient(self.account, self.imap.spool_bytes, self.imap.spool_dir)

    async def run(self, once: bool) -> AccountOutcome:
        name = self.account.name
        attempt = 0
        while True:
            client = self._client()
            passes = self.passes
            try:
                await client.connect()
                await self._session(client, once)
                return AccountOutcome(name, None, self.stored)
            except (ImapLoginFailed, ImapTlsError) as exc:
                await self._record(str(exc))
                return AccountOutcome(name, str(exc), self.stored)
            except ImapError as exc:
                # A session that completed a pass earns a fresh start of the backoff.
                attempt = 1 if self.passes > passes and not once else attempt + 1
                await self._record(str(exc))
                if once and attempt >= self.imap.once_attempts:
                    return AccountOutcome(name, str(exc), self.stored)
                delay = backoff_delay(
                    attempt,
                    self.imap.reconnect_base_seconds,
                    self.imap.reconnect_max_seconds,
                    random.random(),
                )
                log.warning("%s: %s; reconnecting in %.1f s", name, exc, delay)
                await asyncio.sleep(delay)
            finally:
                await client.close()

    async def _record(self, text: str) -> None:
        self.observer.problem(self.account.name, text)
        await asyncio.to_thread(
            self.archive.record_error,
            "imap",
            "connect",
            text,
            (None,),
            f"imap://{self.account.name}",
        )

    async def _session(self, client: ImapClient, once: bool) -> None:
        while True:
            folders = select_folders(await client.list_folders(), self.account)
            async with self.work_slots:
                for planned in folders:
                    await self._folder(client, planned)
            self.passes += 1
            if once:
                return
            await self._wait(client, folders)

    async def _folder(self, client: ImapClient, planned: PlannedFolder) -> None:
        try:
            await self.folder_sync.run(client, planned)
        except ImapCommandFailed as exc:
            # The folder vanished or the server refused it: note it, go on with the others.
            self.observer.problem(self.account.name, str(exc))
            await asyncio.to_thread(self.states.error, self.account.name, planned.name, str(exc))

    async def _wait(self, client: ImapClient, folders: list[PlannedFolder]) -> None:
        """Until the next full pass: IDLE on the watched folder, syncing it on news."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.account.poll_seconds
        watched = next((f for f in folders if matches(f.display, self.account.idle_folders)), None)
        if not (self.account.idle and watched and client.has_capability("IDLE")):
            await asyncio.sleep(self.account.poll_seconds)
            return
        await self._folder(client, watched)  # catch up, and leave it selected for IDLE
        while (remaining := deadline - loop.time()) > 0:
            if await client.wait_for_news(min(remaining, IDLE_MAX_SECONDS)):
                async with self.work_slots:
                    await self._folder(client, watched)


async def run_accounts(
    settings: Settings,
    archive: Archive,
    names: list[str] | None = None,
    once: bool = False,
    observer: SyncObserver | None = None,
) -> list[AccountOutcome]:
    """Sync the named accounts (all when None) until done (``once``) or cancelled."""
    accounts = [a for a in settings.imap.accounts if not names or a.name in names]
    lock = threading.Lock()
    slots = asyncio.Semaphore(settings.imap.concurrency)
    syncs = [
        AccountSync(a, settings, archive, lock, slots, observer or QuietObserver())
        for a in accounts
    ]
    return list(await asyncio.gather(*(s.run(once) for s in syncs)))


__all__ = [
    "AccountOutcome",
    "AccountSync",
    "ImapConnectionLost",
    "backoff_delay",
    "run_accounts",
]
