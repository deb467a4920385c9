"""Image attachments carry no text until OCR; a page-shaped one is a scanned document."""

from __future__ import annotations

import io

from PIL import Image

from archive.documents import scan
from archive.documents.formats import RawText

Image.MAX_IMAGE_PIXELS = 200_000_000  # decompression-bomb guard (about 14k x 14k)


def extract(data: bytes) -> RawText:
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
    page = scan.image_is_page(width, height)
    return RawText("", pages=frames, scanned_pages=frames if page else 0, scanned=page)
