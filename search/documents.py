"""What is indexed for a message, read from the archive (the index can always be rebuilt).

Subject, body text, addresses and names, attachment names and their extracted text (OCR
included), official-document fields (số/ký hiệu, type, issuer, dates, signer), agency codes
found in the texts, dates and flags (attachment, signed, scanned, verdict, direction), and
the scope tokens saying which mailboxes and domains may see the message.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.blobstore import BlobMissing, BlobStore
from archive.body_text import decode_text
from archive.models import Address, Document, Message, MessageSource, Part
from search import fields as F
from search.analysed import AnalysedText, analyse_text
from search.vietnamese import document_number, keyword
from search.visibility import involved

DIRECTION = {"inbound": "in", "outbound": "out", "internal": "internal", "in": "in", "out": "out"}
PLAIN_TEXT_LIMIT = 1_000_000  # per text: the index is for finding, not for storing books


@dataclass
class IndexDoc:
    id: int
    text: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    keywords: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    day: int | None = None
    signature: str = ""  # what was indexed: changes when new text arrives (OCR, re-extract)

    def add_text(self, name: str, text: str | None) -> None:
        """Analyse ``text`` into the field's exact and folded streams; document numbers
        and agency codes found in it also become ``so:`` and ``agency:`` keywords."""
        if text:
            self.add_analysed(name, analyse_text(text))

    def add_analysed(self, name: str, text: AnalysedText) -> None:
        if not text.exact:
            return
        for fname, joined in ((F.exact(name), text.exact), (F.folded(name), text.folded)):
            if self.text[fname]:
                self.text[fname].append(F.GAP)
            self.text[fname].append(joined)  # the engines join a field's pieces with spaces
        self.keywords["so"].update(text.numbers)
        self.keywords["agency"].update(text.agencies)


@dataclass(frozen=True)
class Texts:
    """The readable texts of one message, for snippets and 'where it matched'."""

    subject: str | None
    body: str | None
    attachments: tuple[tuple[str, str, bool], ...]  # (name, text, ocr)


def build_documents(
    session: Session,
    blobs: BlobStore,
    ids: Sequence[int],
    analysed: Mapping[str, AnalysedText] | None = None,
) -> list[IndexDoc]:
    """Index documents for ``ids`` (missing ids are skipped). ``analysed``: texts (by
    SHA-256 of their UTF-8) already analysed elsewhere."""
    rows = _load(session, ids)
    docs = []
    for mid in ids:
        data = rows.get(mid)
        if data is not None:
            docs.append(_document(data, blobs, analysed))
    return docs


def message_texts(session: Session, blobs: BlobStore, ids: Sequence[int]) -> dict[int, Texts]:
    rows = _load(session, ids)
    out = {}
    for mid, data in rows.items():
        msg = data["message"]
        out[mid] = Texts(
            msg.subject,
            _blob_text(blobs, msg.body_text_sha256),
            tuple((name, text, ocr) for name, text, ocr, _doc in _attachment_texts(data, blobs)),
        )
    return out


def _load(session: Session, ids: Sequence[int]) -> dict[int, dict]:
    ids = list(ids)
    messages = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))}
    data: dict[int, dict] = {
        mid: {"message": m, "addresses": [], "sources": [], "parts": []}
        for mid, m in messages.items()
    }
    for a in session.scalars(select(Address).where(Address.message_id.in_(ids))):
        data[a.message_id]["addresses"].append(a)
    for s in session.scalars(select(MessageSource).where(MessageSource.message_id.in_(ids))):
        data[s.message_id]["sources"].append(s)
    shas = set()
    for p in session.scalars(
        select(Part).where(Part.message_id.in_(ids), Part.is_attachment).order_by(Part.ordinal)
    ):
        data[p.message_id]["parts"].append(p)
        if p.sha256:
            shas.add(p.sha256)
    documents = {}
    if shas:
        documents = {
            d.sha256: d for d in session.scalars(select(Document).where(Document.sha256.in_(shas)))
        }
    for item in data.values():
        item["documents"] = documents
    return data


def _blob_text(blobs: BlobStore, sha: str | None) -> str | None:
    if not sha:
        return None
    try:
        return blobs.get(sha).decode("utf-8", "replace")
    except BlobMissing:
        return None


def _attachment_texts(data: dict, blobs: BlobStore):
    """(file name, text, ocr, document row) per attachment. Text comes from the documents
    table (extraction, OCR); a plain-text attachment not read yet is read directly."""
    for part, doc in _parts_and_documents(data):
        yield part.filename or "", _part_text(part, doc, blobs), bool(doc and doc.ocr), doc


def _attachments_analysed(data: dict, blobs: BlobStore, analysed: Mapping[str, AnalysedText]):
    """As ``_attachment_texts``, with each text analysed (by an import worker if it was)."""
    for part, doc in _parts_and_documents(data):
        found = analysed.get(doc.text_sha256) if doc is not None and doc.text_sha256 else None
        if found is None:
            text = _part_text(part, doc, blobs)
            found = analyse_text(text) if text else AnalysedText(0, "", "")
        yield part.filename or "", found, bool(doc and doc.ocr), doc


def _parts_and_documents(data: dict) -> Iterator[tuple[Part, Document | None]]:
    for part in data["parts"]:
        yield part, data["documents"].get(part.sha256) if part.sha256 else None


def _part_text(part: Part, doc: Document | None, blobs: BlobStore) -> str:
    text = _blob_text(blobs, doc.text_sha256) if doc is not None else None
    if text is None and _plain_text(part):
        try:
            text = decode_text(blobs.get(part.sha256), part.charset)
        except BlobMissing:
            text = None
    return text or ""


def _plain_text(part: Part) -> bool:
    return bool(
        part.sha256
        and (part.detected_type or "").startswith("text/plain")
        and part.size <= PLAIN_TEXT_LIMIT
    )


def _document(
    data: dict, blobs: BlobStore, analysed: Mapping[str, AnalysedText] | None = None
) -> IndexDoc:
    msg: Message = data["message"]
    analysed = analysed or {}
    doc = IndexDoc(msg.id)
    signature = hashlib.sha256()
    doc.add_text("subject", msg.subject)
    body = analysed.get(msg.body_text_sha256) if msg.body_text_sha256 else None
    if body is not None:
        doc.add_analysed("body", body)
    else:
        doc.add_text("body", _blob_text(blobs, msg.body_text_sha256))
    for a in data["addresses"]:
        target = "from" if a.role in ("from", "sender", "reply-to") else "to"
        doc.keywords[f"{target}_addr"].add(a.address)
        if a.domain:
            doc.keywords[f"{target}_dom"].add(a.domain)
            doc.keywords["agency"].add(a.domain)
        doc.add_text(f"{target}_name", " ".join(x for x in (a.name, a.address) if x))
        doc.add_text("names", " ".join(x for x in (a.name, a.address) if x))
    for addr in _scope_addresses(data):
        doc.keywords["scope"].add("a:" + addr)
        if "@" in addr:
            doc.keywords["scope"].add("d:" + addr.rsplit("@", 1)[1])
    signed = scanned = False
    for name, text, ocr, info in _attachments_analysed(data, blobs, analysed):
        doc.add_text("filename", name)
        doc.add_analysed("att", text)
        signature.update(f"{name}\0{text.chars}\0{ocr}\0".encode())
        if ocr:
            doc.keywords["ocr"].add("yes")
        if info is None:
            continue
        signed |= bool(info.signed)
        scanned |= bool(info.scanned)
        if info.number and info.notation:
            doc.keywords["so"].add(
                document_number(f"{info.number}/{info.notation}")
                or keyword(f"{info.number}/{info.notation}")
            )
        if info.doc_type:
            doc.keywords["type"].add(keyword(info.doc_type))
            doc.add_text("att", info.doc_type)
        for text_field in (info.issuer, info.signer_name, info.subject):
            doc.add_text("att", text_field)
        signature.update(f"{info.number}{info.notation}{info.doc_type}{info.signed}".encode())
    doc.keywords["signed"].add("yes" if signed else "no")
    doc.keywords["scanned"].add("yes" if scanned else "no")
    if data["parts"]:
        doc.keywords["has"].add("attachment")
    if msg.direction:
        doc.keywords["direction"].add(DIRECTION.get(msg.direction, msg.direction))
    if msg.policy_action:
        doc.keywords["verdict"].add(keyword(msg.policy_action))
    when = msg.sent_at or msg.archived_at
    if when is not None:
        doc.day = when.year * 10000 + when.month * 100 + when.day
    signature.update(f"{msg.subject}\0{msg.body_text_sha256}\0{msg.policy_action}".encode())
    signature.update(json.dumps(sorted(doc.keywords["scope"])).encode())
    doc.signature = signature.hexdigest()[:32]
    return doc


def _scope_addresses(data: dict) -> set[str]:
    return involved(data["addresses"], data["sources"])
