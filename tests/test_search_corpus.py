"""The shared corpus, imported and searched: attachment text names its attachment."""

from __future__ import annotations

from archive.bulk_import import run_import
from archive.importers import plan
from archive.ingest import Archive
from config import Settings
from search.scope import Scope
from search.service import IndexHook, SearchService
from tests.conftest import corpus_path


def test_search_the_imported_corpus(settings: Settings, archive: Archive) -> None:
    folder = corpus_path()
    archive.add_hook(IndexHook(settings))
    summary = run_import(archive, plan([folder]), workers=0)
    assert summary.total("messages_new") == 58
    service = SearchService(settings, archive)
    try:
        page = service.search("notes about this", Scope.all())
        assert page.total == 1
        (hit,) = page.hits
        assert hit.subject == "Nodemailer is unicode friendly ✔"
        assert hit.matched_in == "attachment:notes.txt"
        assert "**notes**" in hit.snippet.text()
        assert service.search('"dingus fish"', Scope.all()).hits[0].matched_in == "subject"
        assert service.check().ok
    finally:
        service.close()
