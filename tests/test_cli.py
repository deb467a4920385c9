"""The govmail command: JSON shapes, exports, verify, help, exit codes."""

from __future__ import annotations

import csv
import io
import json
import mailbox
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.ingest import Archive
from cli.main import cli
from config import Settings
from tests.conftest import cli_env
from tests.test_ingest import _vn_message


@pytest.fixture
def run(settings: Settings):
    runner = CliRunner(env=cli_env(settings))

    def _run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.stdout

    return _run


@pytest.fixture
def imported(run, tmp_path: Path) -> Path:
    path = tmp_path / "kh.eml"
    path.write_bytes(_vn_message())
    summary = json.loads(run("import", "--json", str(path)))
    assert summary["messages_new"] == 1 and summary["attachments"] == 1
    return path


def test_show_json_has_the_stable_keys(run, imported: Path) -> None:
    detail = json.loads(run("show", "1", "--json"))
    assert detail["subject"] == "Kế hoạch ứng dụng CNTT năm 2024"
    pdf = next(p for p in detail["parts"] if p["filename"])
    assert {k: pdf[k] for k in ("filename", "declared_type", "detected_type", "size")} == {
        "filename": "Kế hoạch số 12.pdf",
        "declared_type": "application/pdf",
        "detected_type": "application/pdf",
        "size": 14,
    }
    assert len(pdf["sha256"]) == 64
    by_msgid = json.loads(run("show", "<kh-2024@ninhthuan.gov.vn>", "--json"))
    by_sha = json.loads(run("show", detail["sha256"][:12], "--json"))
    assert by_msgid["id"] == by_sha["id"] == 1
    human = run("show", "1")
    assert "Kế hoạch số 12.pdf" in human and "MIME tree" in human


def test_show_unknown_message_fails_clearly(run) -> None:
    run("show", "999", code=1)


def test_export_eml_mbox_zip(run, imported: Path, tmp_path: Path) -> None:
    eml = tmp_path / "out.eml"
    run("export", "1", "--out", str(eml))
    assert eml.read_bytes() == imported.read_bytes()
    box = tmp_path / "out.mbox"
    run("export", "1", "--format", "mbox", "--out", str(box))
    box_reader = mailbox.mbox(str(box))
    messages = list(box_reader)
    box_reader.close()
    assert len(messages) == 1 and messages[0]["Message-ID"] == "<kh-2024@ninhthuan.gov.vn>"
    archive_zip = tmp_path / "out.zip"
    run("export", "1", "--format", "zip", "--out", str(archive_zip))
    with zipfile.ZipFile(archive_zip) as zf:
        names = zf.namelist()
        assert zf.read("messages/1.eml") == imported.read_bytes()
        manifest = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode("utf-8-sig"))))
    attachment = next(n for n in names if n.startswith("attachments/"))
    assert attachment.endswith("Kế hoạch số 12.pdf")
    assert [r["kind"] for r in manifest] == ["message", "attachment"]
    assert manifest[1]["filename"] == "Kế hoạch số 12.pdf"


def test_stats_json_keys(run, imported: Path) -> None:
    stats = json.loads(run("stats", "--json"))
    assert stats["messages"] == 1 and stats["attachments"] == 1
    assert stats["blobs"] == 3  # raw message, text part (also the body text), PDF
    assert stats["bytes_raw"] == len(imported.read_bytes())
    assert stats["bytes_stored"] > 0


def test_archive_verify_detects_an_altered_blob(run, imported: Path, settings: Settings) -> None:
    ok = json.loads(run("archive", "verify", "--json"))
    assert ok == {"checked": 3, "ok": True, "problems": []}
    archive = Archive.open(settings)
    detail = json.loads(run("show", "1", "--json"))
    pdf_sha = next(p["sha256"] for p in detail["parts"] if p["filename"])
    path = archive.blobs.path_for(pdf_sha)
    archive.close()
    path.write_bytes(path.read_bytes()[:-3] + b"xyz")
    bad = json.loads(run("archive", "verify", "--json", code=1))
    assert bad["ok"] is False and [p["sha256"] for p in bad["problems"]] == [pdf_sha]
    path.unlink()
    missing = json.loads(run("archive", "verify", "--json", code=1))
    assert missing["problems"][0]["problem"] == "missing"


def test_import_of_a_missing_path_is_a_usage_error(run, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_import_of_an_empty_folder_says_nothing_was_found(
    run, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "drop").mkdir()
    result = CliRunner(env=cli_env(settings)).invoke(cli, ["import", str(tmp_path / "drop")])
    assert result.exit_code == 0  # an empty drop folder is not a failure for a cron job
    assert f"no mail found in {tmp_path / 'drop'}" in " ".join(result.stderr.split())
    assert json.loads(run("import", "--json", str(tmp_path / "drop")))["messages_new"] == 0


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda v: str(v))
def test_every_command_has_help_with_examples(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert command.help and len(command.help.strip()) > 20, name
    assert "Examples:" in result.output, f"govmail {name} --help lacks examples"
    assert "govmail " in result.output.split("Examples:")[1]
