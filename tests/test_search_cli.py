"""govmail search / reindex on the command line: JSON shape, errors, scope, completeness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from config import Settings
from tests.conftest import cli_env
from tests.test_search_conformance import mail


@pytest.fixture
def run(settings: Settings, tmp_path: Path):
    env = cli_env(settings)
    runner = CliRunner(env=env)
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(
        mail("Kế hoạch chuyển đổi số", "Triển khai chữ ký số.", sender="an.nv@ninhthuan.gov.vn")
    )
    (folder / "b.eml").write_bytes(
        mail(
            "Thông báo",
            "Lịch họp tuần.",
            day=3,
            sender="binh@khanhhoa.gov.vn",
            to="x@khanhhoa.gov.vn",
        )
    )

    def _run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result.output

    _run("import", str(folder))
    return _run


def test_search_json_shape(run) -> None:
    data = json.loads(run("search", "--json", "chu ky so"))
    assert data["total"] == 1
    (hit,) = data["hits"]
    assert set(hit) >= {"message", "message_id", "date", "from", "subject", "matched_in", "snippet"}
    assert hit["subject"] == "Kế hoạch chuyển đổi số" and hit["matched_in"] == "body"
    assert hit["from"] == "an.nv@ninhthuan.gov.vn"


def test_search_as_a_mailbox(run) -> None:
    assert (
        json.loads(run("search", "--json", "--as", "binh@khanhhoa.gov.vn", "chữ ký số"))["total"]
        == 0
    )
    assert json.loads(run("search", "--json", "--as", "@khanhhoa.gov.vn", "lịch"))["total"] == 1


def test_search_as_an_agency_code_sees_what_its_clerk_sees(run, tmp_path: Path) -> None:
    table = tmp_path / "agencies.csv"
    table.write_text(
        "code,name,level,parent,domains,addresses\n"
        "000.00.00.H37,UBND tỉnh Khánh Hòa,province,,khanhhoa.gov.vn,\n",
        encoding="utf-8",
    )
    run("agencies", "import", str(table))
    for named in ("000.00.00.H37", "H37", "khanhhoa.gov.vn"):
        assert json.loads(run("search", "--json", "--as", named, "lịch"))["total"] == 1
        assert json.loads(run("search", "--json", "--as", named, "chữ ký số"))["total"] == 0
    out = run("search", "--as", "000.00.99.H37", "lịch", code=2)
    assert "not a mailbox, a mail domain or an agency code" in out


def test_search_help_lists_the_query_options() -> None:
    out = CliRunner().invoke(cli, ["search", "--help"]).output
    for option in ("--as WHO", "--json", "--limit", "--page", "ocr:yes|no"):
        assert option in out


def test_malformed_query_is_a_usage_error_with_a_pointer(run) -> None:
    out = run("search", '"chữ ký', code=2)
    assert "unclosed quote at position 1" in out and "^" in out
    assert "Traceback" not in out


def test_reindex_and_check(run) -> None:
    assert "indexed 2 messages" in run("reindex")
    report = json.loads(run("search", "check", "--json"))
    assert report["ok"] and report["messages"] == 2


def test_an_exclusion_may_be_its_own_argument(run) -> None:
    # `govmail search -lịch` used to stop with "No such option '-l'"; `-họp` showed the help.
    alone = json.loads(run("search", "--json", "-lịch"))
    assert alone["total"] == 1 and alone["hits"][0]["subject"] == "Kế hoạch chuyển đổi số"
    assert json.loads(run("search", "-họp", "--json"))["total"] == 1
    assert json.loads(run("search", "--json", "số", "-hoạch"))["total"] == 0
    assert json.loads(run("search", "--json", "--", "-chữ"))["total"] == 1
    assert json.loads(run("search", "--limit", "1", "-chữ", "--json"))["pages"] == 1


def test_an_empty_scope_is_refused_not_everything(run) -> None:
    out = run("search", "--as", "", "lịch", code=2)
    assert "--as" in out and "not a mailbox" in out


def test_days_beyond_the_calendar_are_usage_errors(run) -> None:
    for query, name in (("after:9999-12-31", "after:"), ("before:0001-01-01", "before:")):
        out = run("search", query, code=2)
        assert name in out and "^" in out and "Traceback" not in out


def test_a_page_too_far_is_a_usage_error_not_a_crash(run) -> None:
    out = run("search", "lịch", "--page", "999999999", code=2)
    assert "--page" in out and "narrow the query" in out and "Traceback" not in out
    last = json.loads(run("search", "--json", "lịch", "--page", "2"))
    assert last["page"] == 2 and last["hits"] == []
    assert "past the last one: try --page 1" in run("search", "lịch", "--page", "2")


def test_deep_nesting_is_a_usage_error(run) -> None:
    out = run("search", "(" * 400 + "lịch" + ")" * 400, code=2)
    assert "too many nested '('" in out and "Traceback" not in out
    assert json.loads(run("search", "--json", "(" * 30 + "lịch" + ")" * 30))["total"] == 1


def test_a_hit_without_query_words_shows_where_its_text_comes_from(run) -> None:
    (hit,) = json.loads(run("search", "--json", "from:an.nv@ninhthuan.gov.vn"))["hits"]
    assert hit["matched_in"] == "body" and hit["snippet"] == "Triển khai chữ ký số."


def test_a_plain_snippet_of_long_words_is_short() -> None:
    from search.documents import Texts
    from search.snippets import PLAIN_CHARS, locate

    where, snippet = locate(Texts("Thông báo", "A" * 5000 + " lịch", ()), [])
    assert where == "body"
    assert snippet.text().endswith(" …") and len(snippet.text()) <= PLAIN_CHARS + 2
