"""govmail report / document / agencies on the command line: what people read (Vietnamese
labels, text from mail printed as it is) and clear errors instead of tracebacks."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from config import Settings
from tests.conftest import cli_env


@pytest.fixture
def run(settings: Settings):
    env = cli_env(settings)
    runner = CliRunner(env=env)

    def _run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result.output

    return _run


def test_text_from_mail_is_not_read_as_markup(run, tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "vanthu@stttt.ninhthuan.gov.vn"
    msg["To"] = "vanthu@ninhthuan.gov.vn"
    msg["Subject"] = "Báo cáo"
    msg["Message-ID"] = "<markup@test.gov.vn>"
    msg.set_content("Gửi báo cáo.")
    msg.add_attachment(
        "Báo cáo số 15 [cũ]".encode(), maintype="text", subtype="plain", filename="Báo cáo [/b].txt"
    )
    (tmp_path / "m.eml").write_bytes(bytes(msg))
    run("import", str(tmp_path / "m.eml"))
    out = run("document", "<markup@test.gov.vn>", "--text")  # was a MarkupError traceback
    assert "Báo cáo [/b].txt" in out and "Báo cáo số 15 [cũ]" in out


def test_agency_names_are_printed_as_they_are(run, tmp_path: Path) -> None:
    table = tmp_path / "agencies.csv"
    table.write_text(
        "code,name,level,domains\n000.00.07.H43,Sở Tư pháp [cũ],sở,stp.ninhthuan.gov.vn\n",
        encoding="utf-8",
    )
    run("agencies", "import", str(table))
    assert "Sở Tư pháp [cũ]" in run("agencies", "show", "H43.07")
    assert "Sở Tư pháp [cũ]" in run("agencies", "match", "a@stp.ninhthuan.gov.vn")
    assert "[cũ]" in run("agencies", "list")


def test_a_report_that_cannot_be_written_is_an_error_not_a_traceback(run, tmp_path: Path) -> None:
    out = run(
        "report", "--period", "2024", "--format", "csv", "--out", str(tmp_path / "no/x.csv"), code=1
    )
    assert "cannot write" in out and "no/x.csv" in out and "Traceback" not in out


def test_an_empty_period_is_refused(run) -> None:
    out = run("report", "--period", "", code=2)
    assert "is not a period" in out


def test_the_terminal_report_speaks_vietnamese(run, tmp_path: Path) -> None:
    out = run("report", "--period", "2024", "--level", "commune")
    assert "Cấp: Cấp xã" in out and "level:" not in out
    wide = tmp_path / "r.txt"
    run("report", "--period", "2024", "--format", "table", "--out", str(wide))
    totals = [line for line in wide.read_text(encoding="utf-8").splitlines() if "Tổng cộng" in line]
    assert totals and all("total" not in line for line in totals)
