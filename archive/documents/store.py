"""Writing what was read into the ``documents`` row (and the text into the blob store)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.blobstore import BlobStore, PendingBlob, sha256_hex
from archive.documents.metadata import DocumentMetadata
from archive.documents.read import Reading
from archive.models import Blob, Document
from archive.models.base import utcnow

log = logging.getLogger("govmail.archive")
EXTRACTOR_VERSION = 1  # raise when extraction changes enough to warrant `govmail reextract`


def save_text(session: Session, blobs: BlobStore, text: str) -> str | None:
    """Store ``text`` as a UTF-8 blob (once per content) and return its key."""
    return save_texts(session, blobs, [(text, None)])[0]


def save_texts(
    session: Session, blobs: BlobStore, texts: Sequence[tuple[str, str | None]]
) -> list[str | None]:
    """The blob key of each (text, key if already stored) pair; the texts not stored yet
    are stored together (one flush for all, as ingest does) and recorded in ``blobs``."""
    pending: dict[str, PendingBlob] = {}
    keys: list[str | None] = []
    for text, key in texts:
        if key is None and text:
            data = text.encode("utf-8")
            key = sha256_hex(data)
            pending.setdefault(key, PendingBlob(key, len(data), data))
        keys.append(key)
    if pending:
        stored = blobs.put_many(list(pending.values()))
        have = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(list(pending)))))
        session.add_all(
            Blob(sha256=key, size=blob.size, stored_size=stored.get(key, blob.size))
            for key, blob in pending.items()
            if key not in have
        )
        session.flush()
    return keys


def fill_reading(
    doc: Document, reading: Reading, detected_type: str | None, text_sha: str | None, ocr: bool
) -> None:
    """Text, scan and signature fields. A scan already OCR'd keeps its OCR text."""
    keep_ocr = doc.ocr and reading.scanned and doc.ocr_status == "done"
    doc.detected_type = (detected_type or "")[:255] or None
    doc.extractor = reading.extractor
    doc.extract_error = reading.error
    doc.legacy_encoding = reading.legacy_encoding
    doc.pages = reading.pages
    doc.scanned = reading.scanned
    if not keep_ocr:
        doc.text_sha256 = text_sha
        doc.text_chars = len(reading.text)
        doc.ocr = False
        doc.ocr_status = "pending" if reading.scanned and ocr else "none"
    sig = reading.signatures
    doc.signed = sig.signed
    doc.signature_valid = sig.valid
    doc.signature_trusted = sig.trusted
    doc.signature_reason = sig.reason
    doc.signing_time = sig.signing_time
    doc.signatures = json.dumps(sig.signatures, ensure_ascii=False) if sig.signatures else None
    doc.extracted_at = utcnow()
    doc.extractor_version = EXTRACTOR_VERSION


def fill_metadata(doc: Document, meta: DocumentMetadata) -> None:
    """The Decree 30 fields; absent stays None (never guessed)."""
    doc.number = _cut(meta.number, 16)
    doc.notation = _cut(meta.notation, 64)
    doc.issued_date = meta.issued_date
    doc.place = _cut(meta.place, 100)
    doc.doc_type = _cut(meta.doc_type, 64)
    doc.issuer = _cut(meta.issuer, 300)
    doc.subject = meta.subject
    doc.signer_name = _cut(meta.signer_name, 100)
    doc.signer_title = _cut(meta.signer_title, 200)
    doc.cites = (
        json.dumps(
            [
                {
                    "number": c.number,
                    "notation": c.notation,
                    "type": c.doc_type,
                    "issued_date": c.issued_date.isoformat() if c.issued_date else None,
                }
                for c in meta.cites
            ],
            ensure_ascii=False,
        )
        if meta.cites
        else None
    )
    doc.metadata_source = meta.source


def documents_by_sha(session: Session, shas: list[str]) -> dict[str, Document]:
    if not shas:
        return {}
    rows = session.scalars(select(Document).where(Document.sha256.in_(shas)))
    return {d.sha256: d for d in rows}


def _cut(value: str | None, size: int) -> str | None:
    return value[:size] if value else value
