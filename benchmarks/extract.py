"""Document extraction rates: documents/s through the bounded reader processes.

Generates its inputs (Vietnamese text with DejaVu fonts): 1-page text PDFs, 10-page text
PDFs, DOCX letters, and scanned pages for OCR. Each figure is what ``DocumentReader``
delivers (worker processes with deadlines and memory limits, normalisation, scan decision,
signature pre-check), the same path as the ingest hook. Target: ≥ 200 one-page PDFs/s on
2 cores.

    .venv/bin/python benchmarks/extract.py --pdfs 2000 --big 200 --docx 1000 --ocr 4
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.documents.ocr import unavailable  # noqa: E402
from archive.documents.reader import DocumentReader  # noqa: E402
from config.sections.documents import DocumentsSettings  # noqa: E402
from tests.documents_samples import (  # noqa: E402
    LETTER,
    OCR_LINES,
    docx_file,
    scanned_pdf,
    text_pdf,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def variants(make, count: int, distinct: int = 50) -> list[bytes]:
    """``count`` inputs made of ``distinct`` different files (numbers vary per file)."""
    made = [make(i) for i in range(min(count, distinct))]
    return [made[i % len(made)] for i in range(count)]


def rate(reader: DocumentReader, label: str, items: list[tuple[bytes, str]], unit: str) -> None:
    reader.read_many(items[: reader.pool.size * 2])  # start the workers before timing
    started = time.perf_counter()
    readings = reader.read_many(items)
    elapsed = time.perf_counter() - started
    errors = sum(1 for r in readings if r.error)
    print(
        f"{label:<22} {len(items) / elapsed:8.1f} {unit}/s  ({len(items)} in {elapsed:.2f} s, "
        f"{errors} errors)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=int, default=1000, help="1-page text PDFs")
    parser.add_argument("--big", type=int, default=100, help="10-page text PDFs")
    parser.add_argument("--docx", type=int, default=500, help="DOCX letters")
    parser.add_argument("--ocr", type=int, default=4, help="scanned pages to OCR (0: skip)")
    parser.add_argument("--workers", type=int, default=0, help="reader processes; 0: per core")
    args = parser.parse_args()

    settings = DocumentsSettings(workers=args.workers)
    reader = DocumentReader(settings)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"reader processes: {reader.pool.size}")
    try:

        def letter(i: int) -> list[str]:
            return [*LETTER, f"Số: {i + 1}/UBND-KTN"]

        pdfs = variants(lambda i: text_pdf(letter(i)), args.pdfs)
        rate(reader, "1-page text PDF", [(d, "application/pdf") for d in pdfs], "docs")
        big = variants(lambda i: text_pdf(letter(i) * 3, pages=10), args.big, distinct=10)
        rate(reader, "10-page text PDF", [(d, "application/pdf") for d in big], "docs")
        docx = variants(
            lambda i: docx_file(letter(i), [["Nơi nhận", "Lưu: VT"]], "CỘNG HÒA", "1"), args.docx
        )
        rate(reader, "DOCX", [(d, DOCX) for d in docx], "docs")
        if args.ocr:
            missing = unavailable(settings.ocr_languages)
            if missing:
                print(f"OCR skipped: {missing}")
            else:
                scans = [(scanned_pdf(OCR_LINES), "application/pdf", 1)] * args.ocr
                started = time.perf_counter()
                results = reader.ocr_many(scans)
                elapsed = time.perf_counter() - started
                pages = sum(getattr(r, "pages", 0) for r in results)
                print(
                    f"{'OCR (300 dpi, vie)':<22} {pages / elapsed:8.2f} pages/s  "
                    f"({pages} pages in {elapsed:.2f} s)"
                )
    finally:
        reader.close()


if __name__ == "__main__":
    main()
