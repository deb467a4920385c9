"""Text by detected type, Vietnamese normalisation and legacy encodings, scan decisions."""

from __future__ import annotations

import io
import shutil
import unicodedata

import pytest

from archive.documents import legacy_encoding, scan
from archive.documents.normalise import normalise
from archive.documents.read import ReadOptions, read_document
from archive.filetype import detect
from tests.documents_samples import (
    LETTER,
    docx_file,
    odt_file,
    page_image,
    png,
    rtf_file,
    scanned_pdf,
    text_pdf,
    to_tcvn3,
    to_vni,
    xlsx_file,
)
from tests.fixtures.word97 import word97

SENTENCE = "Ủy ban nhân dân tỉnh Ninh Thuận đề nghị các sở, ban, ngành thực hiện nghiêm túc."


def read(data: bytes):
    """As the worker does it: the type comes from the content, never from a file name."""
    return read_document(data, detect(data), ReadOptions())


# --- legacy encodings and NFC -----------------------------------------------------------
def test_tcvn3_and_vni_reference_samples_convert() -> None:
    assert legacy_encoding.from_tcvn3("TiÕng ViÖt cã 29 ch÷ c¸i") == "Tiếng Việt có 29 chữ cái"
    assert legacy_encoding.from_vni("Tieáng Vieät coù 29 chöõ caùi") == "Tiếng Việt có 29 chữ cái"
    assert legacy_encoding.from_tcvn3("\u00adu") == "ưu"  # 0xAD, the soft hyphen, is ư


def test_tcvn3_capitals_drawn_by_h_fonts_are_upper_cased() -> None:
    # ".VnTimeH" fonts draw capitals at the lower-case code points (vn-edoc.md §5): a word
    # typed in capitals comes out with lower-case marked letters between ASCII capitals.
    assert legacy_encoding.from_tcvn3("QUY\xd5T \xa7\xdeNH") == "QUYẾT ĐỊNH"
    assert legacy_encoding.from_tcvn3("\xf1Y BAN NH\xa2N D\xa2N T\xd8NH") == "ỦY BAN NHÂN DÂN TỈNH"
    # title case and lower case stay as they are; a ký hiệu keeps its lower-case letter
    assert legacy_encoding.from_tcvn3("S\xe8: 12/TTr-S\xa7T") == "Số: 12/TTr-SĐT"
    assert legacy_encoding.from_tcvn3("Tr\xc7n Qu\xe8c Nam") == "Trần Quốc Nam"
    assert legacy_encoding.from_tcvn3("\xae\xf8ng") == "đứng"


def test_detection_picks_the_encoding_and_leaves_other_text_alone() -> None:
    assert legacy_encoding.detect(to_tcvn3(SENTENCE)) == "tcvn3"
    assert legacy_encoding.detect(to_vni(SENTENCE)) == "vni"
    assert legacy_encoding.detect(SENTENCE) is None
    assert (
        legacy_encoding.detect("Le café est très élégant à Paris, où les élèves étudient") is None
    )
    assert legacy_encoding.detect("Straße, Übung, schön, Käse und Brötchen") is None


def test_long_documents_decide_the_same_with_and_without_the_unicode_shortcut() -> None:
    """Unicode Vietnamese skips scoring; a TCVN3 or VNI page with Unicode lines still converts."""
    page = "\n".join([SENTENCE] * 40)
    assert legacy_encoding.detect(page + " 5 µm, 20 °C, ½ trang") is None
    mostly_tcvn3 = "\n".join([to_tcvn3(SENTENCE)] * 40 + [SENTENCE])
    assert legacy_encoding.detect(mostly_tcvn3) == "tcvn3"
    mostly_vni = "\n".join([to_vni(SENTENCE)] * 40 + [SENTENCE])
    assert legacy_encoding.detect(mostly_vni) == "vni"


def test_normalise_converts_before_removing_soft_hyphens_and_composes_nfc() -> None:
    converted = normalise(to_tcvn3("Thư mời dự hội nghị ưu tiên"))
    assert converted.text == "thư mời dự hội nghị ưu tiên"
    assert converted.legacy_encoding == "tcvn3"
    decomposed = "Vie\u0302\u0323t Nam"  # combining marks, as cp1258 decodes
    assert normalise(decomposed).text == "Việt Nam"
    assert normalise("a\u00adb\u200bc").text == "abc"


# --- formats -----------------------------------------------------------------------------
def test_pdf_with_vietnamese_text_layer() -> None:
    reading = read(text_pdf(LETTER, pages=3))
    assert reading.extractor == "pdf"
    assert reading.error is None
    assert reading.pages == 3
    assert reading.scanned is False
    for line in LETTER:
        assert line in reading.text
    assert reading.legacy_encoding is None


def test_image_only_pdf_is_a_scan_with_no_text() -> None:
    reading = read(scanned_pdf(LETTER, pages=2))
    assert reading.extractor == "pdf"
    assert (reading.pages, reading.scanned, reading.text) == (2, True, "")


def test_page_image_is_a_scan_but_a_logo_is_not() -> None:
    page = read(png(page_image(LETTER)))
    assert (page.extractor, page.scanned) == ("image", True)
    logo = read(png(page_image(["logo"], width=200, height=80, size=20)))
    assert (logo.extractor, logo.scanned) == ("image", False)
    assert scan.image_is_page(2480, 3508) and not scan.image_is_page(1920, 1080)


def test_docx_body_table_header_footer() -> None:
    data = docx_file(
        LETTER[:3],
        [["Nơi nhận", "Lưu: VT, KTN"], ["Sở Tài chính", "Ghi chú"]],
        header="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        footer="Trang 1",
    )
    reading = read(data)
    assert reading.extractor == "docx"
    for expected in [*LETTER[:3], "Nơi nhận\tLưu: VT, KTN", "Sở Tài chính", "CỘNG HÒA", "Trang 1"]:
        assert expected in reading.text


def test_docx_in_tcvn3_font_is_converted() -> None:
    reading = read(docx_file([to_tcvn3(SENTENCE)], [["a", "b"]], header="", footer=""))
    assert reading.legacy_encoding == "tcvn3"
    assert SENTENCE.lower() in reading.text


def test_odt_headings_and_paragraphs() -> None:
    reading = read(odt_file("KẾ HOẠCH", LETTER[3:5]))
    assert reading.extractor == "odf"
    assert reading.text.splitlines() == ["KẾ HOẠCH", *LETTER[3:5]]


def test_xlsx_cells() -> None:
    reading = read(xlsx_file([["Đơn vị", "Văn bản đi"], ["Sở Nội vụ", 12]]))
    assert reading.extractor == "xlsx"
    assert reading.text.splitlines() == ["Báo cáo", "Đơn vị\tVăn bản đi", "Sở Nội vụ\t12"]


def test_legacy_xls_cells() -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (test dependency) writes the .xls")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Báo cáo")
    for r, row in enumerate([["Đơn vị", "Văn bản đi"], ["Sở Nội vụ", 12]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    reading = read(out.getvalue())
    assert reading.extractor == "xls" and reading.error is None
    assert reading.text.splitlines() == ["Báo cáo", "Đơn vị\tVăn bản đi", "Sở Nội vụ\t12"]


def test_rtf_unicode_escapes() -> None:
    reading = read(rtf_file(SENTENCE))
    assert reading.extractor == "rtf"
    assert reading.text == SENTENCE


@pytest.mark.skipif(
    not (shutil.which("antiword") or shutil.which("catdoc")),
    reason="antiword/catdoc not installed (apt-get install antiword catdoc)",
)
def test_legacy_word_doc() -> None:
    reading = read(word97(SENTENCE + " Số: 5985/UBND-KTN"))
    assert reading.extractor == "doc"
    assert reading.error is None
    assert SENTENCE in reading.text
    assert "5985/UBND-KTN" in reading.text


def test_html_with_declared_charset() -> None:
    html = (
        '<html><head><meta charset="windows-1258"><style>p{}</style></head>'
        f"<body><p>{SENTENCE}</p></body></html>"
    )
    data = _cp1258(html)
    reading = read(data)
    assert reading.extractor == "html"
    assert "Ninh Thuận" in reading.text and "p{}" not in reading.text


def _cp1258(text: str) -> bytes:
    """Windows-1258 has â ê ô ă ơ ư precomposed and tones as combining bytes."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            shape = "".join(m for m in parts[1:] if m in "\u0302\u0306\u031b")  # ^ ( +
            tones = "".join(m for m in parts[1:] if m not in shape)
            out += (unicodedata.normalize("NFC", parts[0] + shape) + tones).encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("data", "legacy"),
    [
        (SENTENCE.encode("utf-8"), None),
        (SENTENCE.encode("utf-16"), None),
        (to_tcvn3(SENTENCE).encode("latin-1"), "tcvn3"),
        (to_vni(SENTENCE).encode("cp1252"), "vni"),
    ],
    ids=["utf-8", "utf-16", "tcvn3-bytes", "vni-bytes"],
)
def test_plain_text_in_any_charset(data: bytes, legacy: str | None) -> None:
    reading = read_document(data, "text/plain", ReadOptions())
    assert reading.legacy_encoding == legacy
    expected = SENTENCE.lower() if legacy == "tcvn3" else SENTENCE
    assert reading.text == expected


def test_broken_and_unknown_input_is_recorded_not_raised() -> None:
    broken = read_document(b"%PDF-1.4\n garbage", "application/pdf", ReadOptions())
    assert broken.extractor == "pdf" and broken.error and broken.error.startswith("pdf:")
    unknown = read_document(b"\x00\x01binary", "application/octet-stream", ReadOptions())
    assert (unknown.extractor, unknown.error, unknown.text) == (None, None, "")
    # A file name does not decide: a PDF named .docx is read as a PDF.
    assert read(text_pdf(["x"])).extractor == "pdf"
