"""What was read from an attached document, keyed by the content's SHA-256.

Text, metadata and signatures depend only on the bytes, so the same PDF sent to fifty
agencies is read once. ``parts.sha256`` links every occurrence to its row here. Everything
in this table is derived and rebuilt by ``govmail reextract``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, UTCDateTime, utcnow
from archive.models.message import SHA256


class Document(Base):
    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(SHA256, ForeignKey("blobs.sha256"), primary_key=True)
    detected_type: Mapped[str | None] = mapped_column(String(255))
    # Text: a UTF-8 NFC blob. ``ocr`` is true when the text came from OCR.
    text_sha256: Mapped[str | None] = mapped_column(SHA256, ForeignKey("blobs.sha256"))
    text_chars: Mapped[int] = mapped_column(Integer, default=0)
    extractor: Mapped[str | None] = mapped_column(String(32))
    extract_error: Mapped[str | None] = mapped_column(Text)
    legacy_encoding: Mapped[str | None] = mapped_column(String(16))  # tcvn3 | vni | …
    pages: Mapped[int | None] = mapped_column(Integer)
    # Scans: ``scanned`` is decided at extraction; OCR runs later from a queue.
    scanned: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    ocr: Mapped[bool] = mapped_column(Boolean, default=False)
    ocr_status: Mapped[str] = mapped_column(String(16), default="none", index=True)
    # Official-document metadata (Decree 30/2020); every field may be absent.
    number: Mapped[str | None] = mapped_column(String(16))  # số, e.g. "5985"
    notation: Mapped[str | None] = mapped_column(String(64), index=True)  # ký hiệu "UBND-KTN"
    issued_date: Mapped[date | None] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(100))
    doc_type: Mapped[str | None] = mapped_column(String(64), index=True)
    issuer: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(Text)  # trích yếu
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signer_title: Mapped[str | None] = mapped_column(String(200))
    cites: Mapped[str | None] = mapped_column(
        Text
    )  # JSON list of {number, notation, type, issued_date}
    metadata_source: Mapped[str | None] = mapped_column(String(16))  # text | subject
    # PDF signatures.
    signed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    signature_valid: Mapped[bool | None] = mapped_column(Boolean)
    signature_trusted: Mapped[bool | None] = mapped_column(Boolean)
    signature_reason: Mapped[str | None] = mapped_column(Text)
    signing_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signatures: Mapped[str | None] = mapped_column(Text)  # JSON list, one per signature
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    extractor_version: Mapped[int] = mapped_column(Integer, default=1)
