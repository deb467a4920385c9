"""Extraction inside the archive: the ingest hook, what is stored, search and reports see it,
re-extraction, the bounded workers, the corpus, and the CLI."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.documents.extraction import reextract
from archive.documents.hook import ExtractionHook
from archive.documents.reader import DocumentReader
from archive.documents.sandbox import BoundedPool, Failed, Job
from archive.ingest import Archive, Source
from archive.models import Document, Exchange
from cli.main import cli
from config import Settings
from gateway.wiring import open_archive
from search.scope import Scope
from search.service import SearchService
from tests.conftest import CORPUS
from tests.documents_samples import LETTER, docx_file, scanned_pdf, text_pdf


def message(subject: str, attachments: list[tuple[str, bytes, str]]) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "vanthu@ninhthuan.gov.vn"
    msg["To"] = "sotttt@ninhthuan.gov.vn"
    msg["Date"] = "Thu, 12 Dec 2013 09:00:00 +0700"
    msg["Message-ID"] = f"<{abs(hash(subject))}@ninhthuan.gov.vn>"
    msg.set_content("Kính gửi quý cơ quan, xin gửi văn bản đính kèm.")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@pytest.fixture
def wired(settings: Settings):
    arch = open_archive(settings)
    yield arch
    arch.close()


def _docs(archive: Archive) -> list[Document]:
    with archive.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.sha256)))


def test_pdf_attachment_is_read_stored_and_found_by_search(wired: Archive) -> None:
    # A misleading file name: the content decides.
    raw = message("Công văn 5985", [("congvan.docx", text_pdf(LETTER), "application/pdf")])
    result = wired.ingest(raw, Source("import", "t1"))
    (doc,) = _docs(wired)
    assert (doc.extractor, doc.pages, doc.scanned, doc.ocr_status) == ("pdf", 1, False, "none")
    text = wired.blobs.get(doc.text_sha256).decode("utf-8")
    assert LETTER[-1] in text and doc.text_chars == len(text)
    service = SearchService(wired.settings, wired)
    try:
        page = service.search("sử dụng thư điện tử công vụ", Scope.all())
        assert [h.id for h in page.hits] == [result.id]
        assert page.hits[0].matched_in.startswith("att") or "congvan" in page.hits[0].matched_in
        assert service.search("thu dien tu cong vu", Scope.all()).total == 1  # folded
    finally:
        service.close()


def test_same_document_in_two_messages_is_read_once(wired: Archive) -> None:
    pdf = text_pdf(LETTER)
    wired.ingest(message("một", [("a.pdf", pdf, "application/pdf")]), Source("import", "1"))
    wired.ingest(message("hai", [("b.pdf", pdf, "application/pdf")]), Source("import", "2"))
    assert len(_docs(wired)) == 1


def test_scan_is_queued_for_ocr_and_counted_by_reports(wired: Archive) -> None:
    raw = message("Bản scan", [("scan.pdf", scanned_pdf(LETTER), "application/pdf")])
    result = wired.ingest(raw, Source("import", "s"))
    (doc,) = _docs(wired)
    assert (doc.scanned, doc.ocr, doc.ocr_status, doc.text_sha256) == (True, False, "pending", None)
    with wired.sessions() as session:
        rows = session.scalars(select(Exchange).where(Exchange.message_id == result.id)).all()
        assert rows and all(r.scanned == 1 for r in rows)


def test_failures_are_recorded_and_never_stop_ingest(wired: Archive) -> None:
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF"
    good = docx_file(["Quyết định số 12/QĐ-UBND"], [["a", "b"]], header="", footer="")
    raw = message(
        "hỏng",
        [
            ("x.pdf", broken, "application/pdf"),
            (
                "y.docx",
                good,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ],
    )
    result = wired.ingest(raw, Source("import", "b"))
    assert result.new
    docs = {d.extractor: d for d in _docs(wired)}
    assert docs["pdf"].extract_error and docs["pdf"].extract_error.startswith("pdf:")
    assert docs["docx"].extract_error is None and docs["docx"].text_chars > 0


def test_metadata_read_from_the_document_is_stored(wired: Archive) -> None:
    """The Decree 30 header of the attached letter, read in the worker, lands on the row."""
    raw = message("V/v triển khai", [("cv.pdf", text_pdf(LETTER), "application/pdf")])
    wired.ingest(raw, Source("import", "m"))
    (doc,) = _docs(wired)
    assert (doc.number, doc.notation, doc.issued_date, doc.place, doc.doc_type) == (
        "5985",
        "UBND-KTN",
        date(2013, 12, 12),
        "Ninh Thuận",
        "Công văn",
    )
    assert doc.subject.startswith("triển khai ứng dụng công nghệ thông tin")
    assert doc.metadata_source == "text"
    assert json.loads(doc.cites) == [
        {"number": "15", "notation": "CT-TTg", "type": "Chỉ thị", "issued_date": "2012-05-22"}
    ]


def test_metadata_falls_back_to_the_subject_when_the_text_has_none(wired: Archive) -> None:
    body = ["Kính gửi các đơn vị.", "Đề nghị các đơn vị thực hiện theo văn bản đính kèm."]
    subject = "Gửi Công văn số 5985/UBND-KTN ngày 12/12/2013 V/v triển khai ứng dụng CNTT"
    wired.ingest(message(subject, [("cv.pdf", text_pdf(body), "application/pdf")]), Source())
    (doc,) = _docs(wired)
    assert doc.metadata_source == "subject"
    assert (doc.number, doc.notation, doc.doc_type) == ("5985", "UBND-KTN", "Công văn")


def test_a_failing_parser_stores_no_metadata_and_keeps_the_text(
    wired: Archive, monkeypatch
) -> None:
    def broken(text, subject=None):
        raise RuntimeError("parser bug")

    from archive.documents import read

    monkeypatch.setattr(read, "read_metadata", broken)  # the subject path runs here
    plain = text_pdf(["Kính gửi các đơn vị."])
    wired.ingest(message("Công văn số 1/UBND-VP", [("a.pdf", plain, "application/pdf")]), Source())
    (doc,) = _docs(wired)
    assert doc.text_sha256 is not None and doc.extract_error is None
    assert (doc.number, doc.metadata_source) == (None, None)


def test_reextract_rereads_and_refreshes_the_hooks(wired: Archive) -> None:
    wired.ingest(
        message("r", [("r.pdf", text_pdf(LETTER), "application/pdf")]), Source("import", "r")
    )
    (before,) = _docs(wired)
    with wired.sessions() as session, session.begin():
        doc = session.get(Document, before.sha256)
        doc.text_sha256, doc.text_chars, doc.extractor = None, 0, "old"
    refreshed = []
    wired.add_hook(_Recorder(refreshed))
    reader = DocumentReader(wired.settings.documents)
    try:
        summary = reextract(wired, reader)
    finally:
        reader.close()
    (after,) = _docs(wired)
    assert summary.documents == 1 and after.extractor == "pdf" and after.text_chars > 0
    assert refreshed and refreshed[0]


def test_reextract_resumed_skips_what_the_interrupted_run_read(wired: Archive) -> None:
    for name in ("a", "b"):
        pdf = text_pdf([*LETTER, f"Phụ lục {name}."])
        wired.ingest(message(name, [(f"{name}.pdf", pdf, "application/pdf")]), Source())
    first_run = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    read_then = {}
    with wired.sessions() as session, session.begin():
        docs = session.scalars(select(Document).order_by(Document.sha256)).all()
        for doc, (extractor, moment) in zip(
            docs,
            [("read-by-the-interrupted-run", first_run + timedelta(minutes=5)),
             ("old", first_run - timedelta(days=30))],
            strict=True,
        ):  # fmt: skip
            doc.extractor, doc.extracted_at = extractor, moment
            read_then[doc.sha256] = extractor
    reader = DocumentReader(wired.settings.documents)
    try:
        summary = reextract(wired, reader, started=first_run)
    finally:
        reader.close()
    after = {d.sha256: d.extractor for d in _docs(wired)}
    assert summary.documents == 1
    assert sorted(after.values()) == ["pdf", "read-by-the-interrupted-run"]
    assert [after[k] for k, v in read_then.items() if v == "old"] == ["pdf"]


class _Recorder:
    name = "recorder"

    def __init__(self, calls: list):
        self.calls = calls

    def __call__(self, archive, results) -> None:
        pass

    def refresh(self, archive, ids) -> None:
        self.calls.append(list(ids))


def test_bounded_pool_turns_hangs_memory_and_crashes_into_reasons() -> None:
    with BoundedPool(2, 256) as pool:
        results = pool.run(
            [
                Job(time.sleep, (30,), 0.5),
                Job(bytearray, (1024**3,), 10),
                Job(os._exit, (3,), 10),
                Job(int, ("x",), 10),
                Job(os.getpid, (), 10),
            ]
        )
    assert results[0] == Failed("timed out after 0.5 s (documents.timeout_seconds)")
    assert results[1] == Failed("out of memory (documents.memory_mb = 256)")
    assert results[2] == Failed("the reader crashed (exit code 3)")
    assert isinstance(results[3], Failed) and "ValueError" in results[3].reason
    assert isinstance(results[4], int) and results[4] != os.getpid()


def test_every_corpus_attachment_goes_through_extraction(plain_settings: Settings) -> None:
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    hook = ExtractionHook(plain_settings)
    archive = Archive.open(plain_settings, hooks=[hook])
    try:
        files = sorted(
            p for p in CORPUS.rglob("*") if p.suffix in {".eml", ".txt", ".msg"} and p.is_file()
        )
        items = [
            (p.read_bytes(), Source("import", str(p))) for p in files if "LICENSE" not in str(p)
        ]
        results = list(archive.ingest_many(items))
        assert len(results) == 59
        with archive.sessions() as session:
            errors = session.execute(select(Document.extractor, Document.extract_error)).all()
            hook_errors = session.execute(select(Exchange)).all()  # no exchange hook here
        assert len(errors) >= 10  # images, text, html, pdf … attachments of the corpus
        assert not hook_errors
        # Every failure is a recorded reason, not an exception that stopped the batch.
        with archive.sessions() as session:
            from archive.models import IngestError

            assert not session.scalars(select(IngestError).where(IngestError.stage == "hook")).all()
        # The standalone corpus PDFs read too.
        reader = hook.reader
        pdfs = sorted(CORPUS.rglob("*.pdf"))
        readings = reader.read_many([(p.read_bytes(), "application/pdf") for p in pdfs])
        assert len(readings) == 6 and all(r.extractor == "pdf" for r in readings)
        assert all(r.signatures.signed for r in readings)
    finally:
        archive.close()


def test_document_command_json(wired: Archive, settings: Settings, tmp_path, monkeypatch) -> None:
    raw = message("CLI", [("cv.pdf", text_pdf(LETTER), "application/pdf")])
    result = wired.ingest(raw, Source("import", "c"))
    config = tmp_path / "govmail.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{settings.storage.data_dir}"\n'
        f'[database]\nurl = "{settings.database_url()}"\n'
    )
    run = CliRunner().invoke(cli, ["-c", str(config), "document", str(result.id), "--json"])
    assert run.exit_code == 0, run.output
    (view,) = json.loads(run.output)
    for key in (
        "number",
        "notation",
        "issued_date",
        "place",
        "type",
        "issuer",
        "subject",
        "signer",
        "cites",
        "scanned",
        "ocr",
        "legacy_encoding",
        "signed",
        "signature_valid",
        "signature_trusted",
        "signatures",
    ):
        assert key in view
    assert view["filenames"] == ["cv.pdf"] and view["extractor"] == "pdf"
    # the letter's own header, read by the Decree 30 rules; nothing it does not say
    assert (view["number"], view["notation"]) == ("5985", "UBND-KTN")
    assert (view["issued_date"], view["place"]) == ("2013-12-12", "Ninh Thuận")
    assert view["type"] == "Công văn" and view["subject"].startswith("triển khai ứng dụng")
    assert [c["notation"] for c in view["cites"]] == ["CT-TTg"]
    assert view["signer"] == {"name": None, "title": None}
    by_sha = CliRunner().invoke(cli, ["-c", str(config), "document", view["sha256"][:12]])
    assert by_sha.exit_code == 0 and "cv.pdf" in by_sha.output
    missing = CliRunner().invoke(cli, ["-c", str(config), "document", "999999"])
    assert missing.exit_code == 1 and "no archived message" in missing.output


def test_stats_count_what_was_read(wired: Archive) -> None:
    from archive.stats import archive_stats

    letter = ("cv.pdf", text_pdf(LETTER), "application/pdf")
    scan = ("scan.pdf", scanned_pdf(["Công văn quét"]), "application/pdf")
    wired.ingest(message("Hai văn bản", [letter, scan]), Source("import", "s"))
    with wired.sessions() as session:
        docs = archive_stats(session)["documents"]
    assert docs["read"] == 2 and docs["with_document_number"] == 1
    assert (docs["scanned"], docs["ocr_pending"], docs["signed"]) == (1, 1, 0)
