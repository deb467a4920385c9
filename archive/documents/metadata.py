"""Official-document metadata (thể thức, Decree 30/2020/NĐ-CP) read from document text.

A pure function over text: every field may be absent and none is invented. The rules are
tables an admin can read (``metadata_rules.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Citation:
    """A document the text cites ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 …")."""

    number: str | None  # "30"
    notation: str | None  # "2020/NĐ-CP" (year kept in the notation as written)
    doc_type: str | None  # "Nghị định"
    issued_date: date | None


@dataclass(frozen=True)
class DocumentMetadata:
    number: str | None = None  # số, "5985"
    notation: str | None = None  # ký hiệu, "UBND-KTN" or "2018/QĐ-TTg"
    issued_date: date | None = None
    place: str | None = None  # "Ninh Thuận"
    doc_type: str | None = None  # "Công văn", "Quyết định", …
    issuer: str | None = None  # tên cơ quan ban hành
    subject: str | None = None  # trích yếu (for công văn: the text after "V/v")
    signer_name: str | None = None
    signer_title: str | None = None
    cites: tuple[Citation, ...] = field(default_factory=tuple)
    source: str | None = None  # "text" | "subject" | None when nothing was found

    @property
    def empty(self) -> bool:
        return self.source is None


def read_metadata(text: str | None, subject: str | None = None) -> DocumentMetadata:
    """Read the metadata from a document's text, else from the e-mail subject.

    Placeholder until the rule tables land: finds nothing.
    """
    return DocumentMetadata()
