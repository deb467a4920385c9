"""PDF text with pypdfium2, page by page, and which pages are scans."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from archive.documents import scan
from archive.documents.formats import RawText


def extract(data: bytes) -> RawText:
    pdf = pdfium.PdfDocument(data)
    try:
        texts: list[str] = []
        scanned = 0
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                text = page_text(page)
                if scan.page_is_scan(len(text.strip()), image_coverage(page)):
                    scanned += 1
                texts.append(text)
            finally:
                page.close()
        pages = len(texts)
    finally:
        pdf.close()
    return RawText(
        "\n\n".join(texts),
        pages=pages,
        scanned_pages=scanned,
        scanned=scan.document_is_scan(scanned, pages),
    )


def page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()


def image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page area under its largest image (0 when it has none)."""
    width, height = page.get_size()
    area = width * height
    if area <= 0:
        return 0.0
    largest = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w = max(0.0, min(right, width) - max(left, 0.0))
        h = max(0.0, min(top, height) - max(bottom, 0.0))
        largest = max(largest, w * h / area)
    return largest
