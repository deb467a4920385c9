"""Bulk import with worker processes: attachments are read where they were parsed, and a
document that hangs there costs neither the message nor its reading."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.documents.hook import ExtractionHook
from archive.documents.reader import DocumentReader
from archive.ingest import Archive, Source
from archive.models import Document, IndexedMessage, Message
from config.loader import load_settings
from gateway.wiring import open_archive
from search import documents as search_documents
from search.scope import Scope
from search.service import SearchService
from tests.documents_samples import LETTER, docx_file, text_pdf
from tests.test_documents_archive import message

SUBJECTS = [f"Công văn số {n}/UBND-VX" for n in range(1, 7)]


def _messages() -> list[tuple[bytes, Source]]:
    out = []
    for i, subject in enumerate(SUBJECTS):
        lines = [line.replace("5985", str(6000 + i)) for line in LETTER]
        attachments = [(f"cv{i}.pdf", text_pdf(lines), "application/pdf")]
        if i % 2:
            attachments.append(
                (f"cv{i}.docx", docx_file(lines, [["STT", "Đơn vị"]], "UBND", "Trang 1"), "x/y")
            )
        attachments.append((f"ghichu{i}.txt", f"Ghi chú {i}: họp lúc 8 giờ".encode(), "text/plain"))
        out.append((message(subject, attachments), Source("import", f"m{i}")))
    return out


def _archive(tmp_path: Path, name: str, **env: str) -> Archive:
    values = {"GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / name}"'} | env
    return open_archive(load_settings(None, env=values))


def _documents(archive: Archive) -> dict[str, tuple]:
    with archive.sessions() as session:
        return {
            d.sha256: (
                d.extractor,
                d.extract_error,
                d.text_sha256,
                d.text_chars,
                d.pages,
                d.number,
                d.notation,
                d.doc_type,
                d.issuer,
            )
            for d in session.scalars(select(Document))
        }


@pytest.fixture
def sandbox_reads(monkeypatch) -> list[int]:
    """How many documents the archive's own bounded readers were given."""
    given: list[int] = []
    original = DocumentReader.read_many

    def counting(self, items, done=None):
        given.append(len(items))
        return original(self, items, done)

    monkeypatch.setattr(DocumentReader, "read_many", counting)
    return given


def _indexed(archive: Archive) -> dict[str, str]:
    """What the search index holds per message (its signature covers every text's length,
    the document fields and the scope)."""
    with archive.sessions() as session:
        rows = session.execute(
            select(Message.sha256, IndexedMessage.signature).join(
                IndexedMessage, IndexedMessage.message_id == Message.id
            )
        )
        return dict(rows.all())


def _found(archive: Archive, query: str) -> set[int]:
    service = SearchService(archive.settings, archive)
    try:
        return {hit.id for hit in service.search(query, Scope.all(), limit=50).hits}
    finally:
        service.close()


def test_workers_read_attachments_as_the_archive_readers_do(
    tmp_path: Path, sandbox_reads: list[int], monkeypatch
) -> None:
    items = _messages()
    inline = _archive(tmp_path, "inline")
    list(inline.ingest_many(items, workers=0))
    expected = _documents(inline)
    expected_index = _indexed(inline)
    expected_found = _found(inline, "ung dung cong nghe thong tin")
    assert len(expected) == 15  # 6 PDFs, 3 DOCX, 6 notes
    assert sum(sandbox_reads) == 15
    inline.close()
    sandbox_reads.clear()

    texts_read_for_the_index: list[str] = []
    original = search_documents._blob_text

    def reading_text(blobs, sha):
        texts_read_for_the_index.append(sha)
        return original(blobs, sha)

    monkeypatch.setattr(search_documents, "_blob_text", reading_text)
    pooled = _archive(tmp_path, "pooled")
    results = list(pooled.ingest_many(items, workers=2))
    assert all(r.new and not r.parse_error for r in results)
    assert sum(sandbox_reads) == 0  # every attachment was read by the import workers
    assert texts_read_for_the_index == []  # and every text analysed there for the index
    assert _documents(pooled) == expected
    assert _indexed(pooled) == expected_index and len(expected_index) == 6
    assert len(expected_found) == 6
    assert _found(pooled, "ung dung cong nghe thong tin") == expected_found
    numbers = {v[5] for v in expected.values() if v[5]}
    assert {str(6000 + i) for i in range(6)} <= numbers  # read from the PDFs and DOCX
    # The texts were stored with their messages: every key the documents name is a blob.
    for _extractor, _error, text_sha, *_ in _documents(pooled).values():
        assert text_sha is None or pooled.blobs.exists(text_sha)
    pooled.close()


def test_a_document_that_hangs_in_a_worker_is_read_by_the_bounded_readers(
    tmp_path: Path, sandbox_reads: list[int]
) -> None:
    # A millisecond: the worker's first read (which loads the PDF library) always overruns it.
    pooled = _archive(tmp_path, "pooled", GOVMAIL_DOCUMENTS__TIMEOUT_SECONDS="0.001")
    items = _messages()
    results = list(pooled.ingest_many(items, workers=2))
    assert len(results) == 6
    assert all(r.new and r.parse_error is None for r in results)
    assert sum(sandbox_reads) > 0  # what the killed workers did not deliver
    with pooled.sessions() as session:
        assert session.query(Message).count() == 6
        docs = list(session.scalars(select(Document)))
    assert {d.sha256 for d in docs} == set(_documents(pooled))
    timed_out = [d for d in docs if d.extract_error and "timed out" in d.extract_error]
    assert timed_out  # the bounded readers record the overrun instead of hanging
    pooled.close()


def test_a_document_that_balloons_in_a_worker_fails_alone(tmp_path: Path) -> None:
    # 300 MB of XML in a 300 KB DOCX: reading it needs more than the workers may have.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELATIONSHIPS)
        z.writestr("word/document.xml", b"<w:document>" + b" " * 300_000_000 + b"</w:document>")
    bomb = buffer.getvalue()
    pooled = _archive(
        tmp_path,
        "pooled",
        GOVMAIL_DOCUMENTS__MEMORY_MB="256",
        GOVMAIL_LIMITS__MAX_MESSAGE_BYTES="4194304",
    )
    items = _messages()[:3]
    items.append((message("Bom", [("bom.docx", bomb, "x/y")]), Source("import", "bomb")))
    results = list(pooled.ingest_many(items, workers=2))
    assert [r.new for r in results] == [True] * 4
    assert [r.parse_error for r in results] == [None] * 4
    with pooled.sessions() as session:
        docs = {d.sha256: d for d in session.scalars(select(Document))}
    bomb_doc = docs[hashlib.sha256(bomb).hexdigest()]
    assert bomb_doc.extract_error and "MemoryError" in bomb_doc.extract_error
    # The other messages' documents were read normally, in the same workers.
    assert sum(1 for d in docs.values() if d.extract_error is None) == len(docs) - 1
    pooled.close()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELATIONSHIPS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    b"</Relationships>"
)


def _failing_step(texts: dict[str, str]) -> dict:
    raise RuntimeError("a bug in a hook's worker step")


class _StepHook:
    """A hook whose worker step always fails: the hook must still get every message."""

    name = "boom"
    worker_step = staticmethod(_failing_step)

    def __init__(self) -> None:
        self.seen: list[tuple[int, object]] = []

    def __call__(self, archive, results) -> None:
        self.seen += [(r.id, r.derived.get(self.name)) for r in results if r.new]


def test_a_failing_worker_step_leaves_the_work_to_its_hook(tmp_path: Path) -> None:
    settings = load_settings(None, env={"GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"'})
    hook = _StepHook()
    archive = Archive.open(settings, hooks=[ExtractionHook(settings), hook])
    try:
        results = list(archive.ingest_many(_messages(), workers=2))
        assert [r.parse_error for r in results] == [None] * 6
        assert sorted(mid for mid, _ in hook.seen) == sorted(r.id for r in results)
        assert {derived for _, derived in hook.seen} == {None}
        assert any(r.readings for r in results)  # the reading in the workers still happened
    finally:
        archive.close()
