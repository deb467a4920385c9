"""Reading and moving each folder's position (``imap_folders``); synchronous, run in threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from archive.models import ImapFolderState, ImapSkippedMessage, IngestError
from archive.models.base import utcnow
from gateway.imap.folder_plan import retry_due


@dataclass(frozen=True)
class FolderPosition:
    uidvalidity: int | None
    last_uid: int


class FolderStates:
    """One row per (account, folder); every method is one short transaction."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def _row(self, session: Session, account: str, folder: str) -> ImapFolderState:
        row = session.scalar(
            select(ImapFolderState).where(
                ImapFolderState.account == account, ImapFolderState.folder == folder
            )
        )
        if row is None:
            row = ImapFolderState(account=account, folder=folder, last_uid=0, archived=0)
            row.skipped = row.rescans = 0
            session.add(row)
            session.flush()
        return row

    def position(self, account: str, folder: str, direction: str) -> FolderPosition:
        for _attempt in range(2):
            try:
                with self.sessions() as session, session.begin():
                    row = self._row(session, account, folder)
                    row.direction = direction
                    return FolderPosition(row.uidvalidity, row.last_uid)
            except IntegrityError:  # another process created the row meanwhile
                continue
        raise RuntimeError("unreachable")

    def start_over(self, account: str, folder: str, uidvalidity: int, rescan: bool) -> None:
        """New UIDVALIDITY (or first sight): every UID from 1 on is to be read."""
        with self.sessions() as session, session.begin():
            row = self._row(session, account, folder)
            row.uidvalidity = uidvalidity
            row.last_uid = 0
            row.archived = 0
            row.skipped = 0  # every UID is read again: the skipped ones with the rest
            session.execute(_skipped_in(account, folder))
            if rescan:
                row.rescans += 1

    def seen_server(self, account: str, folder: str, uidnext: int | None, exists: int) -> None:
        with self.sessions() as session, session.begin():
            row = self._row(session, account, folder)
            row.server_uidnext = uidnext
            row.server_messages = exists
            row.last_sync_at = utcnow()

    def advance(
        self,
        account: str,
        folder: str,
        uidvalidity: int,
        uids: Sequence[int],
        archived: int,
        failures: Sequence[tuple[int, str]],
    ) -> None:
        """Move the position past a batch, once the archive has committed it: its failures
        join the folder's skipped messages, its other UIDs leave them (a retry that worked,
        or a message expunged meanwhile)."""
        failed = {uid: error for uid, error in failures}
        now = utcnow()
        with self.sessions() as session, session.begin():
            row = self._row(session, account, folder)
            row.last_uid = max(row.last_uid, max(uids))
            row.archived += archived
            row.last_sync_at = now
            known = {
                s.uid: s
                for s in session.scalars(
                    select(ImapSkippedMessage).where(
                        ImapSkippedMessage.account == account,
                        ImapSkippedMessage.folder == folder,
                        ImapSkippedMessage.uid.in_(list(uids)),
                    )
                )
            }
            for uid, skipped in known.items():
                if uid not in failed:
                    session.delete(skipped)
                    row.skipped -= 1
            for uid, error in failed.items():
                skipped = known.get(uid)
                if skipped is None:
                    session.add(
                        ImapSkippedMessage(
                            account=account, folder=folder, uidvalidity=uidvalidity, uid=uid,
                            attempts=1, first_at=now, last_at=now, last_error=error[:2000],
                        )
                    )  # fmt: skip
                    row.skipped += 1
                else:
                    skipped.attempts += 1
                    skipped.last_at = now
                    skipped.last_error = error[:2000]

    def due_skipped(
        self, account: str, folder: str, uidvalidity: int, now: datetime | None = None
    ) -> list[int]:
        """The skipped UIDs of ``folder`` due for another fetch (``retry_due``)."""
        now = now or utcnow()
        with self.sessions() as session:
            rows = session.scalars(
                select(ImapSkippedMessage)
                .where(
                    ImapSkippedMessage.account == account,
                    ImapSkippedMessage.folder == folder,
                    ImapSkippedMessage.uidvalidity == uidvalidity,
                )
                .order_by(ImapSkippedMessage.uid)
            )
            return [r.uid for r in rows if retry_due(r.attempts, r.last_at, now)]

    def skipped(self, account: str | None = None) -> list[ImapSkippedMessage]:
        with self.sessions() as session:
            query = select(ImapSkippedMessage).order_by(
                ImapSkippedMessage.account, ImapSkippedMessage.folder, ImapSkippedMessage.uid
            )
            if account:
                query = query.where(ImapSkippedMessage.account == account)
            return list(session.scalars(query))

    def error(self, account: str, folder: str, message: str) -> None:
        with self.sessions() as session, session.begin():
            row = self._row(session, account, folder)
            row.last_error = message[:2000]
            row.last_error_at = utcnow()

    def all(self, account: str | None = None) -> list[ImapFolderState]:
        with self.sessions() as session:
            query = select(ImapFolderState).order_by(
                ImapFolderState.account, ImapFolderState.folder
            )
            if account:
                query = query.where(ImapFolderState.account == account)
            return list(session.scalars(query))

    def connection_errors(self, account: str | None = None) -> dict[str, tuple[str, datetime]]:
        """Each account's latest sign-in/connection failure (recorded by the runner as
        ``imap://ACCOUNT``), for ``imap status``: a folder row cannot show those."""
        with self.sessions() as session:
            query = (
                select(IngestError.ref, IngestError.error, IngestError.at)
                .where(IngestError.channel == "imap", IngestError.stage == "connect")
                .order_by(IngestError.at)
            )
            if account:
                query = query.where(IngestError.ref == f"imap://{account}")
            latest = {}
            for ref, error, at in session.execute(query):
                latest[ref.removeprefix("imap://")] = (error, at)
            return latest


def _skipped_in(account: str, folder: str):
    return delete(ImapSkippedMessage).where(
        ImapSkippedMessage.account == account, ImapSkippedMessage.folder == folder
    )


def age_seconds(when: datetime | None, now: datetime | None = None) -> float | None:
    if when is None:
        return None
    return ((now or utcnow()) - when).total_seconds()
