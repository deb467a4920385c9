"""Where IMAP ingestion stands in each folder: UIDVALIDITY, the last UID archived, errors.

``last_uid`` only moves after the messages up to it are committed to the archive, so a
sync that dies anywhere resumes from there and at most refetches one batch (which the
archive, idempotent by content, takes as a no-op).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, UTCDateTime


class ImapFolderState(Base):
    """One folder of one configured IMAP account."""

    __tablename__ = "imap_folders"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    # The name as the server sends it (modified UTF-7), used in commands.
    folder: Mapped[str] = mapped_column(String(1000))
    direction: Mapped[str | None] = mapped_column(String(16))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the server said at the last look, for the lag in `govmail imap status`.
    server_uidnext: Mapped[int | None] = mapped_column(BigInteger)
    server_messages: Mapped[int | None] = mapped_column(Integer)
    archived: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rescans: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImapSkippedMessage(Base):
    """A message the server would not give (or the archive would not take), under the
    folder's position: fetched again on later syncs, with a growing pause, until it is
    archived or ``MAX_ATTEMPTS`` have failed. A new UIDVALIDITY drops these rows, since the
    whole folder is read again then."""

    __tablename__ = "imap_skipped"
    __table_args__ = (UniqueConstraint("account", "folder", "uid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(1000))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
