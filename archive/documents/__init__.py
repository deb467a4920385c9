"""Reading attached official documents: text by detected type, legacy Vietnamese encodings,
scans and OCR, Decree 30/2020 metadata, and PDF signatures (issue 3)."""
