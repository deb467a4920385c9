"""Reading attached documents: text, OCR, metadata, signatures (issue 3)."""

from pathlib import Path

from pydantic import Field

from config.sections.base import Section


class DocumentsSettings(Section):
    """Reading attached documents: text, OCR, metadata, signatures (issue 3)."""

    extract: bool = Field(
        True, description="Read the text of attachments as they are archived (ingest hook)."
    )
    workers: int = Field(0, ge=0, le=64, description="Reader processes; 0: one per core.")
    timeout_seconds: float = Field(
        60.0, gt=0, le=3600, description="Time one document may take to be read."
    )
    memory_mb: int = Field(
        1024,
        ge=0,
        le=65536,
        description="Address-space ceiling of a reader process (MiB); 0: no limit.",
    )
    max_bytes: int = Field(
        100 * 1024 * 1024, ge=1, description="Larger attachments are not read (recorded)."
    )
    max_text_chars: int = Field(
        5_000_000, ge=1000, description="Text kept per document; the rest is cut."
    )
    trust_anchors: Path | None = Field(
        None,
        description="Directory of CA certificates (PEM or DER: roots and intermediates, "
        "e.g. Ban Cơ yếu G1/G2) that PDF signatures must chain to.",
    )
    ocr: bool = Field(True, description="OCR scanned documents (needs tesseract).")
    ocr_languages: str = Field(
        "vie", pattern=r"^[a-z_]+(\+[a-z_]+)*$", description="Tesseract languages, e.g. vie+eng."
    )
    ocr_dpi: int = Field(300, ge=72, le=600, description="Rendering resolution of PDF scans.")
    ocr_page_timeout_seconds: float = Field(
        180.0, gt=0, le=3600, description="Time tesseract may take for one page."
    )
    ocr_max_pages: int = Field(50, ge=1, le=5000, description="Pages OCR'd per document.")
    ocr_in_gateway: bool = Field(
        True, description="`govmail serve` runs OCR of pending scans in the background."
    )
    ocr_poll_seconds: float = Field(
        30.0, gt=0, le=86400, description="How often the gateway looks for pending scans."
    )
