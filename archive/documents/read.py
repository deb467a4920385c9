"""Read one document: text by detected type, normalised, scan decision, PDF signatures.

``read_document`` is what the bounded worker runs. It never raises for bad input: a failure
becomes ``error`` on the result, and what could be read is kept (a PDF whose text cannot be
read may still have its signatures checked, and the other way round).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from archive.documents import formats
from archive.documents.metadata import DocumentMetadata, read_metadata
from archive.documents.normalise import normalise
from archive.documents.signatures import SignatureReport, check_pdf, has_signature

log = logging.getLogger("govmail.archive")


@dataclass(frozen=True)
class ReadOptions:
    trust_dir: str | None = None
    max_text_chars: int = 5_000_000


def read_options(settings) -> ReadOptions:
    """The options of ``[documents]`` settings."""
    anchors = settings.trust_anchors
    return ReadOptions(
        trust_dir=str(anchors) if anchors else None, max_text_chars=settings.max_text_chars
    )


@dataclass
class Reading:
    extractor: str | None
    text: str = ""
    pages: int | None = None
    scanned: bool = False
    legacy_encoding: str | None = None
    error: str | None = None
    signatures: SignatureReport = field(default_factory=SignatureReport)
    # Metadata read from the text, here in the worker: the parser is the costliest step
    # left on the archive's single writer thread otherwise. None: no text to read.
    metadata: DocumentMetadata | None = None
    # Set when the text was already stored as a blob where it was read (import workers).
    text_sha256: str | None = None


def read_document(data: bytes, detected_type: str | None, options: ReadOptions) -> Reading:
    name = formats.format_for(detected_type)
    reading = Reading(extractor=name)
    if name is None:
        return reading
    errors = []
    try:
        raw = formats.extract(name, data)
        clean = normalise(raw.text[: options.max_text_chars])
        reading.text = clean.text
        reading.legacy_encoding = clean.legacy_encoding
        reading.pages = raw.pages
        reading.scanned = raw.scanned
    except Exception as exc:
        errors.append(f"{name}: {describe(exc)}")
    if name == "pdf" and has_signature(data):
        try:
            reading.signatures = check_pdf(data, options.trust_dir)
        except Exception as exc:
            errors.append(f"signatures: {describe(exc)}")
            reading.signatures = SignatureReport(
                signed=True, valid=False, trusted=False, reason=f"cannot read: {describe(exc)}"
            )
    if reading.text:
        reading.metadata = read_metadata_safely(reading.text, None)
    reading.error = "; ".join(errors) or None
    return reading


def describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


def read_metadata_safely(text: str | None, subject: str | None) -> DocumentMetadata:
    """The metadata parser must never stop extraction: a failure reads as nothing found."""
    try:
        return read_metadata(text, subject)
    except Exception:
        log.exception("metadata parser failed; document stored without metadata")
        return DocumentMetadata()
