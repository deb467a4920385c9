"""The "documents" ingest hook: new attachments are read as soon as their batch commits.

It runs first among the hooks, so the search index and the exchange log see the text,
metadata, scan flag and signatures of the documents in the same batch. A failure is recorded
per document (``extract_error``) and never undoes or stops the archiving.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.documents.extraction import extract_messages
from archive.documents.reader import DocumentReader
from config import Settings


class ExtractionHook:
    name = "documents"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.reader = DocumentReader(settings.documents)

    def __call__(self, archive, results: Sequence) -> None:
        ids = [r.id for r in results if r.new]
        if ids and self.settings.documents.extract:
            read_already = {}
            for result in results:
                read_already.update(result.readings)
            extract_messages(archive, self.reader, ids, read_already=read_already)

    def close(self) -> None:
        self.reader.close()
