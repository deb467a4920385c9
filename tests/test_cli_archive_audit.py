"""The archive commands with the awkward inputs admins meet: pipes and sockets in a folder,
file names that are not UTF-8, odd message ids, unwritable export targets, missing blobs,
a settings file saved in a legacy encoding, a data dir that cannot be opened."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.importers import plan, read
from cli.main import cli
from config import Settings
from tests.conftest import REPO, cli_env
from tests.test_import import _eml


@pytest.fixture
def invoke(settings: Settings):
    runner = CliRunner(env=cli_env(settings))

    def _invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _invoke


@pytest.fixture
def two_messages(invoke, tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"{n}.eml").write_bytes(_eml(n))
    result = invoke("import", "--json", str(tmp_path / "1.eml"), str(tmp_path / "2.eml"))
    assert json.loads(result.stdout)["messages_new"] == 2


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "drop" / "agent.sock"
    path.parent.mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        yield path


def test_a_fifo_in_a_folder_is_skipped_not_waited_for(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "1.eml").write_bytes(_eml(1))
    os.mkfifo(folder / "pipe")
    env = os.environ | {"GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"'}
    env.pop("GOVMAIL_DATABASE__URL", None)
    cmd = [sys.executable, "-m", "cli.main", "import", "--json", str(folder)]
    # The timeout is a watchdog for the hang this guards against, not a measurement.
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=300)
    summary = json.loads(done.stdout)
    assert done.returncode == 0
    assert (summary["messages_new"], summary["skipped"], summary["unreadable"]) == (1, 1, 0)
    assert summary["problems"] == [
        {
            "ref": str(folder / "pipe"),
            "problem": "skipped: not a regular file (a pipe, socket or device)",
        }
    ]


def test_a_socket_is_never_opened(unix_socket: Path) -> None:
    in_folder = list(plan([unix_socket.parent]))
    named = list(plan([unix_socket]))
    assert [(e.fmt, e.note) for e in in_folder] == [
        ("skip", "not a regular file (a pipe, socket or device)")
    ]
    assert named[0].fmt == "error" and named[0].note.startswith("not a regular file")


def test_a_linked_folder_in_a_walk_is_reported_not_silently_left_out(
    invoke, tmp_path: Path
) -> None:
    nas, export = tmp_path / "nas" / "2023", tmp_path / "export"
    nas.mkdir(parents=True)
    export.mkdir()
    (nas / "1.eml").write_bytes(_eml(1))
    (export / "2.eml").write_bytes(_eml(2))
    (export / "2023").symlink_to(nas)
    (export / "loop").symlink_to(export)
    result = invoke("import", str(export))
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert f"{export / '2023'}: skipped: a link to a folder, not followed" in text
    assert f"{export / 'loop'}: skipped: a link to a folder, not followed" in text
    assert json.loads(invoke("import", "--json", str(nas)).stdout)["messages_new"] == 1


def _encrypted_zip(path: Path, members: dict[str, bytes]) -> None:
    """A ZIP whose members carry the 'encrypted' flag (zipfile cannot write real ones)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            raw[start + flag_at] |= 0x1
            start = raw.find(signature, start + 4)
    path.write_bytes(bytes(raw))


def test_an_encrypted_zip_is_reported_not_a_traceback(invoke, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    _encrypted_zip(folder / "hoso.zip", {"1.eml": _eml(1)})
    _encrypted_zip(folder / "scans.zip", {"scan.pdf": b"%PDF-1.4"})
    result = invoke("import", "--json", str(folder))
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["problems"] == [
        {
            "ref": f"{folder / 'hoso.zip'}#1.eml",
            "problem": "encrypted: unpack it with its password and import the files",
        },
        {"ref": str(folder / "scans.zip"), "problem": "skipped: does not look like a message"},
    ]


def test_a_google_takeout_mbox_is_split_into_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "All mail Including Spam and Trash.mbox"
    separators = [
        f"From 17873648162037573{n}@xxx Fri Jan 12 03:2{n}:38 +0000 2024\n" for n in (1, 2)
    ]
    path.write_bytes(b"".join(sep.encode() + _eml(n) + b"\n" for n, sep in enumerate(separators)))
    items = list(read(plan([path])))
    assert [(i.fmt, i.raw) for i in items] == [("mbox", _eml(0)), ("mbox", _eml(1))]


def test_folders_that_cannot_be_listed_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "share"
    (root / "locked").mkdir(parents=True)
    for sub in ("cur", "new", "tmp"):
        (root / "box" / sub).mkdir(parents=True)
    (root / "1.eml").write_bytes(_eml(1))
    real_scandir = os.scandir

    def scandir(path: str | Path = ".") -> Iterator[os.DirEntry]:
        if Path(path).name in ("locked", "cur"):  # root reads everything: pretend it cannot
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    denied = "cannot list folder: Permission denied"
    assert [(e.path, e.fmt, e.note) for e in plan([root])] == [
        (root / "box" / "cur", "error", denied),
        (root / "1.eml", "eml", None),
        (root / "locked", "error", denied),
    ]
    assert [(e.fmt, e.note) for e in plan([root / "locked"])] == [("error", denied)]


def test_file_names_that_are_not_utf8_are_archived(invoke, tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "Công văn 12.eml").write_bytes(_eml(1))
    legacy = os.fsdecode(b"c\xf4ng v\xe3n.eml")  # cp1258 bytes from an old Windows share
    (folder / legacy).write_bytes(_eml(2))
    (folder / os.fsdecode(b"ghi ch\xfa.txt")).write_bytes(b"not mail")
    result = invoke("import", "--json", str(folder))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["messages_new"] == 2
    assert summary["problems"][0]["ref"] == f"{folder}/ghi ch\\xfa.txt"
    shown = json.loads(invoke("show", "<m2@ninhthuan.gov.vn>", "--json").stdout)
    assert shown["subject"] == "Thư số 2"


@pytest.mark.parametrize("ident", ["99999999999999999999", "²", "<x\udcff@ninhthuan.gov.vn>"])
def test_odd_ids_are_not_found_not_a_traceback(invoke, two_messages, ident: str) -> None:
    for command in ("show", "export"):
        result = invoke(command, ident)
        assert result.exit_code == 1
        assert "no archived message" in result.stderr


def test_export_names_the_target_it_cannot_write(invoke, two_messages, tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "case.zip"
    result = invoke("export", "1", "2", "--format", "zip", "--out", str(missing_dir))
    assert result.exit_code == 1
    assert f"cannot write {missing_dir}: No such file or directory" in result.stderr
    result = invoke("export", "1", "--format", "mbox", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert f"cannot write {tmp_path}: Is a directory" in result.stderr


def test_export_with_a_missing_blob_leaves_no_partial_file(
    invoke, two_messages, settings: Settings, tmp_path: Path
) -> None:
    sha = json.loads(invoke("show", "2", "--json").stdout)["sha256"]
    next(settings.storage.resolved_blobs_dir().rglob(f"{sha}*")).unlink()
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("export", "1", "2", "--format", "zip", "--out", str(out / "case.zip"))
    assert result.exit_code == 1
    assert f"blob {sha} is missing from the store" in result.stderr
    assert list(out.iterdir()) == []


def test_export_names_each_message_once(invoke, two_messages, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    ids = ("2", "1", "2", "<m1@ninhthuan.gov.vn>")
    assert invoke("export", *ids, "--format", "zip", "--out", str(out)).exit_code == 0
    names = zipfile.ZipFile(out).namelist()
    assert names == ["messages/2.eml", "messages/1.eml", "manifest.csv"]


def test_config_check_of_a_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "govmail.toml"
    path.write_bytes("# Văn thư\n[storage]\n".encode("cp1258"))
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: not UTF-8 (byte 0x" in result.stderr
    assert "save it as UTF-8" in result.stderr


def test_a_data_dir_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "var"
    not_a_dir.write_text("a file where the data dir should be")
    env = {"GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(not_a_dir)), "GOVMAIL_DATABASE__URL": None}
    for args in (["init"], ["stats"]):
        result = CliRunner(env=env).invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert f"cannot open the archive in {not_a_dir}" in result.stderr
        assert "[storage] data_dir" in result.stderr


def test_text_from_mail_and_file_names_is_printed_not_read_as_markup(
    invoke, tmp_path: Path
) -> None:
    msg = EmailMessage()
    msg["From"] = '"[/bold] Văn thư" <vanthu@ninhthuan.gov.vn>'
    msg["Subject"] = "[khẩn] Công văn [/]gấp"
    msg["Message-ID"] = "<k1@ninhthuan.gov.vn>"
    msg.set_content("Nội dung")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="[/i].pdf")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "k1.eml").write_bytes(bytes(msg))
    (folder / "[khẩn] ghi chú.eml").write_bytes(b"no header at all")
    imported = invoke("import", str(folder / "k1.eml"), str(folder / "[khẩn] ghi chú.eml"))
    assert imported.exit_code == 0
    assert f"{folder}/[khẩn] ghi chú.eml: no header fields" in " ".join(imported.stdout.split())
    shown = invoke("show", "<k1@ninhthuan.gov.vn>")
    assert shown.exit_code == 0, shown.output
    for text in ("[khẩn] Công văn [/]gấp", "[/bold] Văn thư <vanthu@", "[/i].pdf"):
        assert text in shown.stdout


def test_several_messages_as_eml_on_standard_output_is_refused(invoke, two_messages) -> None:
    result = invoke("export", "1", "2", "--out", "-")
    assert result.exit_code == 2
    assert result.stdout == ""  # not message 1 alone, as if it were the whole export
    assert "use --format mbox or zip, or --out DIRECTORY" in result.stderr
    assert invoke("export", "2", "--out", "-").stdout_bytes == _eml(2)


def test_verify_lists_a_blob_it_cannot_read_and_goes_on(
    invoke, two_messages, settings: Settings
) -> None:
    sha = json.loads(invoke("show", "1", "--json").stdout)["sha256"]
    blobs = json.loads(invoke("stats", "--json").stdout)["blobs"]
    blob = next(settings.storage.resolved_blobs_dir().rglob(f"{sha}*"))
    blob.unlink()
    blob.mkdir()  # open() fails with an OSError, as on a bad sector
    result = invoke("archive", "verify", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["checked"] == blobs
    assert report["problems"] == [{"sha256": sha, "problem": "unreadable (Is a directory)"}]


def test_an_empty_file_is_not_archived_as_a_message(invoke, tmp_path: Path) -> None:
    empty = tmp_path / "drop" / "empty.eml"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    summary = json.loads(invoke("import", "--json", str(empty)).stdout)
    assert (summary["messages_new"], summary["skipped"]) == (0, 1)
    assert summary["problems"] == [{"ref": str(empty), "problem": "skipped: empty file"}]
    assert json.loads(invoke("stats", "--json").stdout)["messages"] == 0
