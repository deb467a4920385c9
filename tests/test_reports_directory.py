"""The agency directory: import (CSV, XLSX), line-numbered errors, attribution, codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.ingest import Archive
from cli.main import cli
from config import Settings
from reports.directory import (
    find_agency,
    import_file,
    list_agencies,
    load_directory,
)
from tests.conftest import cli_env
from tests.reports_data import (
    ADDRESS,
    COMMUNE,
    DIRECTORY_CSV,
    DISTRICT,
    MINISTRY,
    PROVINCE,
    STC,
    STTTT,
    write_directory,
)


def _import(archive: Archive, path: Path, skip_bad: bool = False):
    with archive.sessions() as session, session.begin():
        return import_file(session, path, skip_bad=skip_bad)


def _state(archive: Archive) -> list[dict]:
    with archive.sessions() as session:
        directory = load_directory(session)
        return [
            list_agencies(session),
            sorted(directory.domains.items()),
            sorted(directory.addresses.items()),
            sorted((a, sorted(map(repr, spans))) for a, spans in directory.codes.items()),
        ]


def test_import_attributes_by_the_most_specific_match(archive: Archive, tmp_path: Path) -> None:
    outcome = _import(archive, write_directory(tmp_path / "agencies.csv"))
    assert outcome.applied and not outcome.errors
    assert (outcome.created, outcome.updated, outcome.codes) == (6, 0, 7)
    with archive.sessions() as session:
        directory = load_directory(session)
        ids = {code: find_agency(session, code).id for code in ADDRESS}
        listing = {a["code"]: a for a in list_agencies(session)}
    # Address beats subdomain beats domain; parent domains match subdomains.
    assert directory.match("SoTTTT@NinhThuan.gov.vn").kind == "address"
    assert directory.agency_of("sotttt@ninhthuan.gov.vn") == ids[STTTT]
    assert directory.match(ADDRESS[STTTT]).kind == "domain"
    hit = directory.match("phong.kh@vp.stttt.ninhthuan.gov.vn")
    assert (hit.agency_id, hit.kind, hit.key) == (
        ids[STTTT],
        "parent-domain",
        "stttt.ninhthuan.gov.vn",
    )
    assert directory.agency_of("ai.do@ninhthuan.gov.vn") == ids[PROVINCE]
    assert directory.agency_of(ADDRESS[COMMUNE]) == ids[COMMUNE]
    assert directory.agency_of("x@gmail.com") is None
    assert directory.agency_of("x@gov.vn") is None
    # Parents come from the code structure when the file leaves them out.
    assert listing[STTTT]["parent"] == PROVINCE
    assert listing[COMMUNE]["parent"] == DISTRICT
    assert listing[MINISTRY]["parent"] is None
    assert listing[STC]["level"] == "department"  # "sở" in the file
    assert listing[COMMUNE]["level"] == "commune"  # "xã"
    # One agency, two codes over time (the second names the first as previous code).
    assert directory.code_at(ids[STTTT], date(2023, 5, 1)) == "000.00.05.H43"
    assert directory.code_at(ids[STTTT], date(2024, 8, 1)) == STTTT
    with archive.sessions() as session:
        assert find_agency(session, "H43.05").id == ids[STTTT]
        assert find_agency(session, "H43.25").id == ids[STTTT]


def test_importing_the_same_file_again_changes_nothing(archive: Archive, tmp_path: Path) -> None:
    path = write_directory(tmp_path / "agencies.csv")
    _import(archive, path)
    before = _state(archive)
    again = _import(archive, path)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 6, [])
    assert _state(archive) == before


BAD = (
    DIRECTORY_CSV
    + """\
000.00.07.H43,,department,,,,,,,
00.07.H43,Sở Nội vụ,department,,,,,,,
000.00.08.H43,Sở Y tế,hospital,,stc.ninhthuan.gov.vn,not-an-address,31/02/2024,,,
000.00.09.H43,Sở Xây dựng,department,000.00.99.H43,,,,,,
000.01.09.H43,Phòng Quản lý xây dựng,other,000.00.09.H43,,,,,,
000.00.10.H43,Sở Tư pháp,department,,,,2024-05-01,2024-01-01,,
000.00.00.H43,UBND tỉnh (trùng),province,,,,,,,
"""
)


def test_a_bad_file_lists_every_bad_line_and_changes_nothing(
    archive: Archive, tmp_path: Path
) -> None:
    _import(archive, write_directory(tmp_path / "good.csv"))
    before = _state(archive)
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    outcome = _import(archive, path)
    assert not outcome.applied
    found = {(e.line, e.column) for e in outcome.errors}
    assert found == {
        (9, "name"),
        (10, "code"),
        (11, "level"),
        (11, "addresses"),
        (11, "valid_from"),
        (12, "parent"),
        (13, "parent"),  # depends on line 12, which is bad
        (14, "valid_to"),
        (15, "code"),  # same code and validity as line 2
    }
    assert "is not an agency code" in next(e.message for e in outcome.errors if e.line == 10)
    assert "line 12" in next(e.message for e in outcome.errors if e.line == 13)
    assert _state(archive) == before


def test_skip_bad_imports_the_rest(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    outcome = _import(archive, path, skip_bad=True)
    assert outcome.applied and outcome.skipped_lines == [9, 10, 11, 12, 13, 14, 15]
    with archive.sessions() as session:
        codes = {a["code"] for a in list_agencies(session)}
    assert codes == set(ADDRESS)


def test_a_domain_cannot_belong_to_two_agencies(archive: Archive, tmp_path: Path) -> None:
    _import(archive, write_directory(tmp_path / "good.csv"))
    path = tmp_path / "steal.csv"
    path.write_text(
        "code,name,level,domains\n000.00.11.H43,Sở Y tế,department,stc.ninhthuan.gov.vn\n"
    )
    outcome = _import(archive, path)
    assert [(e.line, e.column) for e in outcome.errors] == [(2, "domains")]
    assert "Sở Tài chính" in outcome.errors[0].message
    # Moving it is fine when the file also gives the old owner its new domains.
    path.write_text(
        "code,name,level,domains\n"
        "000.00.11.H43,Sở Y tế,department,stc.ninhthuan.gov.vn\n"
        "000.00.06.H43,Sở Tài chính,department,taichinh.ninhthuan.gov.vn\n"
    )
    assert not _import(archive, path).errors
    with archive.sessions() as session:
        assert load_directory(session).agency_of("a@stc.ninhthuan.gov.vn") == (
            find_agency(session, "H43.11").id
        )


def test_xlsx_with_vietnamese_headers(archive: Archive, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã định danh", "Tên cơ quan", "Cấp", "Tên miền", "Hộp thư", "Hiệu lực từ"])
    sheet.append(["H43", "UBND tỉnh Ninh Thuận", "Tỉnh", "ninhthuan.gov.vn", None, None])
    sheet.append(["H43.05", "Sở TT&TT", "Sở", "stttt.ninhthuan.gov.vn", "a@x.vn; b@x.vn", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["H43.06.01", "Trung tâm", "khác", None, None, "hôm qua"])
    path = tmp_path / "danh-muc.xlsx"
    book.save(path)
    outcome = _import(archive, path)
    assert [(e.line, e.column) for e in outcome.errors] == [(5, "valid_from")]
    outcome = _import(archive, path, skip_bad=True)
    assert outcome.created == 2
    with archive.sessions() as session:
        directory = load_directory(session)
        assert directory.agency_of("b@x.vn") == find_agency(session, "000.00.05.H43").id


@pytest.fixture
def run(settings: Settings):
    env = cli_env(settings)
    runner = CliRunner(env=env)

    def _run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return _run


def test_cli_import_list_show_match(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    failed = run("agencies", "import", str(bad), code=1)
    assert "bad.csv:10: code:" in failed.stderr and "nothing imported" in failed.stderr
    assert json.loads(run("agencies", "list", "--json").stdout) == []
    good = write_directory(tmp_path / "agencies.csv")
    result = json.loads(run("agencies", "import", "--json", str(good)).stdout)
    assert result["applied"] and result["created"] == 6
    again = json.loads(run("agencies", "import", "--json", str(good)).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    assert "report rebuild" not in run("agencies", "import", str(good)).stdout
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        good.read_text(encoding="utf-8").replace("Sở Tài chính", "Sở Tài chính tỉnh"),
        encoding="utf-8",
    )
    changed = json.loads(run("agencies", "import", "--json", str(renamed)).stdout)
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 5)
    run("agencies", "import", str(good))  # back as it was
    listing = json.loads(run("agencies", "list", "--json", "--level", "department").stdout)
    assert [a["code"] for a in listing] == [STC, STTTT]
    old = json.loads(run("agencies", "list", "--json", "--at", "2023-01-01").stdout)
    assert "000.00.05.H43" in {a["code"] for a in old}
    detail = json.loads(run("agencies", "show", "H43.25", "--json").stdout)
    assert detail["parent"]["code"] == PROVINCE
    assert [c["short"] for c in detail["codes"]] == ["H43.05", "H43.25"]
    assert detail["addresses"] == ["sotttt@ninhthuan.gov.vn"]
    assert "UBND tỉnh Ninh Thuận" in run("agencies", "show", PROVINCE).stdout
    run("agencies", "show", "H43.77", code=1)
    matches = json.loads(
        run("agencies", "match", "--json", ADDRESS[COMMUNE], "x@gmail.com", code=1).stdout
    )
    assert [m["code"] for m in matches] == [COMMUNE, None]
    assert matches[0]["by"] == "address"
