"""OCR of scanned documents with the Tesseract command (``tesseract-ocr-vie``).

Runs inside a bounded worker (``sandbox``): pages are rendered with pypdfium2 (PDF) or read
with Pillow (images), handed to ``tesseract`` as grayscale PGM on stdin, one process per
page with its own deadline. A PDF page that already has a text layer keeps it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass

from archive.documents import formats, scan
from archive.documents.normalise import normalise


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "vie"
    dpi: int = 300
    page_timeout: float = 120.0
    max_pages: int = 50


@dataclass(frozen=True)
class OcrText:
    text: str
    pages: int  # pages OCR'd (pages with a text layer are not counted)


def unavailable(languages: str) -> str | None:
    """Why OCR cannot run here, or None when tesseract has every language asked for."""
    if not shutil.which("tesseract"):
        return "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)"
    done = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    have = set(done.stdout.split())
    missing = [lang for lang in languages.split("+") if lang not in have]
    if missing:
        return f"tesseract lacks language data: {', '.join(missing)} (tesseract-ocr-{missing[0]})"
    return None


def ocr_document(data: bytes, detected_type: str | None, options: OcrOptions) -> OcrText:
    name = formats.format_for(detected_type)
    if name == "pdf":
        return _ocr_pdf(data, options)
    if name == "image":
        return _ocr_image_file(data, options)
    raise ValueError(f"OCR reads PDFs and images, not {detected_type}")


def ocr_image(image, options: OcrOptions) -> str:
    """Text of one PIL image."""
    gray = image.convert("L")
    buffer = io.BytesIO()
    gray.save(buffer, format="PPM")  # PGM for mode L: no compression to pay for
    parent = os.getpid()
    done = subprocess.run(
        # --psm 1: page segmentation with orientation detection, so pages scanned sideways
        # or upside down are read too (needs osd.traineddata; without it, as --psm 3).
        [
            "tesseract",
            "stdin",
            "stdout",
            "-l",
            options.languages,
            "--dpi",
            str(options.dpi),
            "--psm",
            "1",
        ],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=options.page_timeout,
        check=False,
        preexec_fn=lambda: _die_with(parent),
    )
    if done.returncode != 0:
        raise RuntimeError(f"tesseract: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout.decode("utf-8", "replace")


def _ocr_pdf(data: bytes, options: OcrOptions) -> OcrText:
    import pypdfium2 as pdfium

    from archive.documents.formats.pdf import page_text

    pdf = pdfium.PdfDocument(data)
    texts, done = [], 0
    try:
        for index in range(min(len(pdf), options.max_pages)):
            page = pdf[index]
            try:
                text = page_text(page)
                if len(text.strip()) < scan.MIN_TEXT_CHARS:
                    bitmap = page.render(scale=options.dpi / 72, grayscale=True)
                    text = ocr_image(bitmap.to_pil(), options)
                    done += 1
                texts.append(text)
            finally:
                page.close()
    finally:
        pdf.close()
    return OcrText(normalise("\n\n".join(texts)).text, done)


def _ocr_image_file(data: bytes, options: OcrOptions) -> OcrText:
    from PIL import Image, ImageOps, ImageSequence

    texts = []
    with Image.open(io.BytesIO(data)) as image:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= options.max_pages:
                break
            # A camera's JPEG is stored sideways with an EXIF Orientation tag: turn it upright.
            texts.append(ocr_image(ImageOps.exif_transpose(frame), options))
    return OcrText(normalise("\n\n".join(texts)).text, len(texts))


def _die_with(parent: int) -> None:
    """tesseract must not outlive a worker killed at its deadline."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)
