"""OCR of generated Vietnamese scans with Tesseract, and the OCR queue into search."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.documents import ocr_queue
from archive.documents.ocr import OcrOptions, ocr_document, unavailable
from archive.documents.reader import DocumentReader
from archive.ingest import Source
from archive.models import Document
from cli.main import cli
from gateway.wiring import open_archive
from search.scope import Scope
from search.service import SearchService
from tests.documents_samples import OCR_LINES, scanned_pdf
from tests.test_documents_archive import message

MISSING = unavailable("vie")
needs_tesseract = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def words(text: str) -> Counter:
    return Counter(text.lower().replace(",", " ").replace(".", " ").split())


def recovered(expected: str, got: str) -> float:
    want = words(expected)
    return sum((want & words(got)).values()) / sum(want.values())


@needs_tesseract
def test_ocr_recovers_at_least_90_percent_of_words_with_diacritics() -> None:
    result = ocr_document(scanned_pdf(OCR_LINES), "application/pdf", OcrOptions(languages="vie"))
    assert result.pages == 1
    share = recovered(" ".join(OCR_LINES), result.text)
    assert share >= 0.9, f"recovered {share:.0%}:\n{result.text}"
    assert "Truyền thông" in result.text  # diacritics, stacked ones included


@needs_tesseract
def test_ocr_queue_makes_a_scan_searchable(settings, tmp_path) -> None:
    archive = open_archive(settings)
    try:
        raw = message("Văn bản scan", [("scan.pdf", scanned_pdf(OCR_LINES), "application/pdf")])
        result = archive.ingest(raw, Source("import", "scan"))
        service = SearchService(settings, archive)
        assert service.search("Truyền thông", Scope.all()).total == 0  # not read yet
        config = tmp_path / "govmail.toml"
        config.write_text(
            f'[storage]\ndata_dir = "{settings.storage.data_dir}"\n'
            f'[database]\nurl = "{settings.database_url()}"\n'
        )
        run = CliRunner().invoke(cli, ["-c", str(config), "ocr", "--pending", "--json"])
        assert run.exit_code == 0, run.output
        assert json.loads(run.output) == {
            "documents": 1,
            "pages": 1,
            "failed": 0,
            "unavailable": None,
        }
        with archive.sessions() as session:
            (doc,) = session.scalars(select(Document)).all()
            assert (doc.scanned, doc.ocr, doc.ocr_status) == (True, True, "done")
        service.close()
        service = SearchService(settings, archive)
        page = service.search("Truyền thông", Scope.all())
        assert [h.id for h in page.hits] == [result.id]
        assert service.search("truyen thong", Scope.all()).total == 1
        assert service.check().ok  # the index holds the OCR text, nothing stale
        service.close()
    finally:
        archive.close()


def test_ocr_without_tesseract_leaves_scans_pending(settings, monkeypatch) -> None:
    monkeypatch.setattr(ocr_queue, "unavailable", lambda languages: "tesseract is not installed")
    archive = open_archive(settings)
    try:
        raw = message("scan 2", [("scan.pdf", scanned_pdf(["Trang một"]), "application/pdf")])
        archive.ingest(raw, Source("import", "s2"))
        reader = DocumentReader(settings.documents)
        summary = ocr_queue.run_ocr(archive, reader, "pending")
        reader.close()
        assert summary.unavailable == "tesseract is not installed"
        assert ocr_queue.queued(archive, "pending") == 1
    finally:
        archive.close()


@needs_tesseract
def test_gateway_ocr_worker_hands_changed_messages_to_the_archive_worker(settings) -> None:
    from gateway.ocr_worker import OcrWorker

    archive = open_archive(settings)
    try:
        raw = message("scan 3", [("scan.pdf", scanned_pdf(OCR_LINES[:2]), "application/pdf")])
        result = archive.ingest(raw, Source("import", "s3"))
    finally:
        archive.close()
    handed: list[int] = []
    worker = OcrWorker(settings, handed.extend)
    try:
        assert worker.run_once() == 1
        assert worker.run_once() == 0  # nothing pending any more
    finally:
        worker._close()
    assert handed == [result.id]


@needs_tesseract
def test_ocr_reads_pages_photographed_or_scanned_the_wrong_way_round() -> None:
    """A phone JPEG stored sideways with an EXIF Orientation tag, and a page scanned
    upside down (no tag): both are read upright."""
    import io

    from PIL import Image

    from tests.documents_samples import page_image

    page = page_image(OCR_LINES[:2])
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    sideways, upside_down = io.BytesIO(), io.BytesIO()
    page.rotate(90, expand=True).save(sideways, format="JPEG", exif=exif)
    page.rotate(180).save(upside_down, format="PNG")
    for data, kind in ((sideways, "image/jpeg"), (upside_down, "image/png")):
        result = ocr_document(data.getvalue(), kind, OcrOptions(languages="vie"))
        assert result.pages == 1
        assert recovered(" ".join(OCR_LINES[:2]), result.text) >= 0.9, result.text
