"""Tables of the agency directory and the exchange log (owned by ``reports/``, issue 7).

The directory is entered by people (``govmail agencies import``); the exchange log is
derived from the archive by the "exchange" ingest hook and rebuilt by
``govmail report rebuild``; register totals come from the agencies' paper registers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, UTCDateTime, utcnow

# 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Agency(Base):
    """A state agency (cơ quan, đơn vị) with a stable id; its codes may change over time."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # province | department | district | commune | central | other
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The issuer abbreviation in its documents' ký hiệu ("UBND", "STTTT"): only documents
    # whose ký hiệu carries it count toward the agency's numbering estimate.
    notation: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    codes: Mapped[list[AgencyCodeRow]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyCodeRow.valid_from"
    )
    domains: Mapped[list[AgencyDomain]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyDomain.domain"
    )
    addresses: Mapped[list[AgencyAddress]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyAddress.address"
    )


class AgencyCodeRow(Base):
    """One identifier code of an agency, valid from/to a date (None: open-ended)."""

    __tablename__ = "agency_codes"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(13), index=True)  # full form AAA.BB.CC.Xnn
    name: Mapped[str | None] = mapped_column(Text)  # the agency's name under this code
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    agency: Mapped[Agency] = relationship(back_populates="codes")


class AgencyDomain(Base):
    """A mail domain (or subdomain) of an agency; the longest matching suffix wins."""

    __tablename__ = "agency_domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255), unique=True)  # IDNA A-label, lower case

    agency: Mapped[Agency] = relationship(back_populates="domains")


class AgencyAddress(Base):
    """A mailbox of an agency (văn thư, the head's box); beats any domain match."""

    __tablename__ = "agency_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(320), unique=True)  # normalised

    agency: Mapped[Agency] = relationship(back_populates="addresses")


class Exchange(Base):
    """One archived message seen from one counterpart: the exchange log.

    ``month`` (yyyymm) and ``day`` are the sending date in the agencies' time zone.
    ``send_row`` marks the one row per message that carries the sender's count, so a
    message to five agencies is one document sent and five received.
    """

    __tablename__ = "exchanges"
    __table_args__ = (
        Index("ix_exchanges_sender_month", "sender_agency_id", "month"),
        Index("ix_exchanges_recipient_month", "recipient_agency_id", "month"),
        Index("ix_exchanges_policy_month", "policy_action", "month"),
        Index("ix_exchanges_direction_month", "direction", "month"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # internal | between | out | in | unattributed
    direction: Mapped[str] = mapped_column(String(16))
    send_row: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    recipient_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    channel: Mapped[str] = mapped_column(String(16))
    # Official documents attached, and how many of them are …
    documents: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    signed_valid: Mapped[int] = mapped_column(Integer, default=0)
    signed_trusted: Mapped[int] = mapped_column(Integer, default=0)  # valid and trusted
    # Timeliness: documents with a known signing day, those sent late, the worst delay.
    timed: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    max_delay: Mapped[int | None] = mapped_column(Integer)
    # Highest số among the sender's own documents issued in the sending year (send row only).
    max_number: Mapped[int | None] = mapped_column(Integer)
    policy_action: Mapped[str | None] = mapped_column(String(16))
    policy_rule: Mapped[str | None] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeMonth(Base):
    """The exchange log summed per agency and month: what reports read.

    Derived from ``exchanges`` by ``reports.summary``: months whose log rows changed are
    marked in ``exchange_dirty`` and summed again before the next report.
    """

    __tablename__ = "exchange_months"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # documents, outward send rows
    received: Mapped[int] = mapped_column(Integer, default=0)
    internal: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    signed_valid: Mapped[int] = mapped_column(Integer, default=0)
    signed_trusted: Mapped[int] = mapped_column(Integer, default=0)
    timed: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    max_delay: Mapped[int | None] = mapped_column(Integer)
    top_number: Mapped[int | None] = mapped_column(Integer)  # highest own số sent that month


class ExchangeDirty(Base):
    """An (agency, month) whose log rows changed since its summary was computed."""

    __tablename__ = "exchange_dirty"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)


class RegisterTotal(Base):
    """Counts from an agency's registers (sổ đăng ký) for a period, paper included."""

    __tablename__ = "register_totals"
    __table_args__ = (UniqueConstraint("agency_id", "month_start", "month_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    month_start: Mapped[int] = mapped_column(Integer)  # yyyymm, inclusive
    month_end: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)  # 1, 3 or 12
    sent_total: Mapped[int | None] = mapped_column(Integer)
    received_total: Mapped[int | None] = mapped_column(Integer)
    records_total: Mapped[int | None] = mapped_column(Integer)  # hồ sơ công việc
    records_online: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
