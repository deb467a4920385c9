"""The archive's own tables: blobs, messages, their addresses, parts and sightings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, UTCDateTime, utcnow

SHA256 = String(64)


class Blob(Base):
    """One stored blob (raw message, attachment, extracted text), keyed by SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(SHA256, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Message(Base):
    """A raw message archived once (by the SHA-256 of its bytes) and what was read from it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(SHA256, ForeignKey("blobs.sha256"), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(255))
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    body_text_sha256: Mapped[str | None] = mapped_column(SHA256, ForeignKey("blobs.sha256"))
    parse_error: Mapped[str | None] = mapped_column(Text)
    defects: Mapped[str | None] = mapped_column(Text)
    # The first sighting's channel and direction, kept here for fast filters.
    channel: Mapped[str] = mapped_column(String(16), index=True)
    direction: Mapped[str | None] = mapped_column(String(16), index=True)
    # The gateway's verdict at the first SMTP sighting (None for imported mail).
    policy_action: Mapped[str | None] = mapped_column(String(16), index=True)
    policy_rule: Mapped[str | None] = mapped_column(String(64))
    dkim_result: Mapped[str | None] = mapped_column(String(16))

    addresses: Mapped[list[Address]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Address.id"
    )
    parts: Mapped[list[Part]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        order_by="Part.ordinal",
        foreign_keys="Part.message_id",
    )
    sources: Mapped[list[MessageSource]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageSource.id"
    )


class Address(Base):
    """One address of a message in one role (from, to, cc, bcc, reply_to, envelope_*)."""

    __tablename__ = "addresses"
    __table_args__ = (Index("ix_addresses_message_role", "message_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)

    message: Mapped[Message] = relationship(back_populates="addresses")


class Part(Base):
    """One node of a message's tree: MIME parts, nested messages, archive members."""

    __tablename__ = "parts"
    __table_args__ = (Index("ix_parts_message_ordinal", "message_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    parent_ordinal: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1000))
    container: Mapped[str] = mapped_column(String(16))
    depth: Mapped[int] = mapped_column(Integer)
    declared_type: Mapped[str | None] = mapped_column(String(255))
    detected_type: Mapped[str | None] = mapped_column(String(255), index=True)
    filename: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(String(32))
    charset: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(SHA256, ForeignKey("blobs.sha256"), index=True)
    is_attachment: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)

    message: Mapped[Message] = relationship(back_populates="parts", foreign_keys=[message_id])


class MessageSource(Base):
    """Where a message was seen: an SMTP transaction, an IMAP position, an imported file.

    One message (one raw content) can be seen many times; each sighting keeps its envelope.
    """

    __tablename__ = "message_sources"
    __table_args__ = (UniqueConstraint("message_id", "channel", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(1000), default="")
    mail_from: Mapped[str | None] = mapped_column(String(320))
    rcpt_to: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(String(16))
    policy_action: Mapped[str | None] = mapped_column(String(16))
    policy_rule: Mapped[str | None] = mapped_column(String(64))
    dkim_result: Mapped[str | None] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="sources")


class IngestError(Base):
    """Something that went wrong while ingesting; the raw message is kept regardless."""

    __tablename__ = "ingest_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(1000), default="")
    stage: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
