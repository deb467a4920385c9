"""What was read from documents, found by attachment SHA-256 or by message
(``govmail document``; the same JSON the web or scripts can use)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.blobstore import BlobMissing, BlobStore
from archive.models import Document, Part
from archive.queries import MessageNotFound, find_message

_HEX = set("0123456789abcdef")


def find_documents(session: Session, ident: str) -> list[tuple[Document, list[str]]]:
    """Documents for a document SHA-256 (prefix of 8+ hex digits), else for a message
    (archive id, <Message-ID> or message SHA-256). Raises MessageNotFound."""
    text = ident.strip().lower()
    if len(text) >= 8 and set(text) <= _HEX:
        docs = list(
            session.scalars(select(Document).where(Document.sha256.startswith(text)).limit(2))
        )
        if len(docs) > 1:
            raise MessageNotFound(f"{ident}: more than one document has this SHA-256 prefix")
        if docs:
            return [(docs[0], _filenames(session, docs[0].sha256))]
    message = find_message(session, ident)
    names: dict[str, list[str]] = {}
    for part in message.parts:
        if part.is_attachment and part.sha256:
            names.setdefault(part.sha256, [])
            if part.filename and part.filename not in names[part.sha256]:
                names[part.sha256].append(part.filename)
    docs = {
        d.sha256: d
        for d in session.scalars(select(Document).where(Document.sha256.in_(list(names))))
    }
    return [(docs[sha], names[sha]) for sha in names if sha in docs]


def _filenames(session: Session, sha: str) -> list[str]:
    rows = session.scalars(
        select(Part.filename).where(Part.sha256 == sha, Part.filename.isnot(None)).distinct()
    )
    return sorted(rows)


def document_view(doc: Document, filenames: list[str]) -> dict[str, Any]:
    """The stable JSON form of one document; absent fields are null, never guessed."""
    return {
        "sha256": doc.sha256,
        "filenames": filenames,
        "detected_type": doc.detected_type,
        "extractor": doc.extractor,
        "extract_error": doc.extract_error,
        "pages": doc.pages,
        "text_chars": doc.text_chars,
        "text_sha256": doc.text_sha256,
        "number": doc.number,
        "notation": doc.notation,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "place": doc.place,
        "type": doc.doc_type,
        "issuer": doc.issuer,
        "subject": doc.subject,
        "signer": {"name": doc.signer_name, "title": doc.signer_title},
        "cites": json.loads(doc.cites) if doc.cites else [],
        "metadata_source": doc.metadata_source,
        "scanned": doc.scanned,
        "ocr": doc.ocr,
        "ocr_status": doc.ocr_status,
        "legacy_encoding": doc.legacy_encoding,
        "signed": doc.signed,
        "signature_valid": doc.signature_valid,
        "signature_trusted": doc.signature_trusted,
        "signature_reason": doc.signature_reason,
        "signing_time": doc.signing_time.isoformat() if doc.signing_time else None,
        "signatures": [_signature(s) for s in json.loads(doc.signatures or "[]")],
        "extracted_at": doc.extracted_at.isoformat() if doc.extracted_at else None,
    }


def _signature(item: dict[str, Any]) -> dict[str, Any]:
    item = dict(item)
    item.pop("signed_revision_end", None)
    problem = item.get("problem")
    item["reasons"] = [problem] if problem else []
    return item


def document_text(blobs: BlobStore, doc: Document) -> str | None:
    if not doc.text_sha256:
        return None
    try:
        return blobs.get(doc.text_sha256).decode("utf-8", "replace")
    except BlobMissing:
        return None
