"""Is it a scan? Pure decisions on page facts, so the rules are easy to read and test.

A born-digital page carries a text layer. A scanned page carries (almost) no text and one
picture covering most of the page. An image attachment is a scanned page when it is big and
shaped like a sheet of paper (A4 or Letter, portrait or landscape) — logos and photos are not.
"""

from __future__ import annotations

MIN_TEXT_CHARS = 16  # a page number or a stamp is not a text layer
MIN_IMAGE_COVERAGE = 0.5  # share of the page area under the largest picture
MIN_PAGE_PIXELS = 800  # short side of a page image: ~100 dpi A4 or better
PAGE_RATIOS = (1.2, 1.6)  # long side / short side: A4 is 1.414, Letter 1.294


def page_is_scan(text_chars: int, image_coverage: float) -> bool:
    return text_chars < MIN_TEXT_CHARS and image_coverage >= MIN_IMAGE_COVERAGE


def document_is_scan(scanned_pages: int, pages: int) -> bool:
    """Most pages are scans (a born-digital letter with one scanned appendix is not)."""
    return pages > 0 and scanned_pages * 2 >= pages


def image_is_page(width: int, height: int) -> bool:
    short, long = sorted((width, height))
    if short < MIN_PAGE_PIXELS:
        return False
    low, high = PAGE_RATIOS
    return low <= long / short <= high
