"""Bulk import: formats recognised by content, summaries, idempotence, interruption."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import signal
import subprocess
import sys
import tarfile
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from archive.bulk_import import run_import
from archive.importers import plan, sniff
from archive.ingest import Archive
from archive.models import Message
from tests.conftest import REPO
from tests.fixtures.cfb import outlook_msg


def _eml(n: int, body: str = "Nội dung thư") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"nguoi{n}@ninhthuan.gov.vn"
    msg["To"] = "vanthu@ninhthuan.gov.vn"
    msg["Subject"] = f"Thư số {n}"
    msg["Message-ID"] = f"<m{n}@ninhthuan.gov.vn>"
    msg.set_content(f"{body} {n}\nFrom the desk of the director\n")
    return bytes(msg)


def _mbox_bytes(messages: list[bytes]) -> Iterator[bytes]:
    for i, raw in enumerate(messages):
        yield f"From nguoi{i}@ninhthuan.gov.vn Mon Mar 11 09:30:00 2024\n".encode()
        for line in raw.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n"):
            if line.lstrip(b">").startswith(b"From "):
                line = b">" + line
            yield line + b"\n"
        yield b"\n"


def _mbox(path: Path, messages: list[bytes]) -> None:
    with open(path, "wb") as fh:
        fh.writelines(_mbox_bytes(messages))


def _maildir(root: Path, messages: list[bytes], folder: str = "") -> None:
    base = root / folder if folder else root
    for sub in ("cur", "new", "tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(messages):
        sub = "cur" if i % 2 else "new"
        (base / sub / f"{1700000000 + i}.M{i}P1.host:2,S").write_bytes(raw)


def test_sniff_recognises_formats_by_content() -> None:
    assert sniff(b"From a@b Mon Mar 11 09:30:00 2024\nSubject: x\n", ".mbox") == "mbox"
    assert sniff(b"Received: from x\nSubject: y\n\nbody") == "eml"
    assert sniff(b"\xef\xbb\xbfFrom: <abuse@example.com>\n") == "eml"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".msg") == "msg"
    assert sniff(b"%PDF-1.4\n") is None
    assert sniff(b"# README\nsome: text") is None
    assert sniff(b"anything", ".eml") == "eml"
    assert sniff(b'{"folder":"Inbox","flags":"u"}', ".meta") is None  # a header's shape only


def test_mbox_maildir_directories_and_msg(archive: Archive, tmp_path: Path) -> None:
    mails = [_eml(i) for i in range(6)]
    _mbox(tmp_path / "archive.mbox", mails[:3])
    _maildir(tmp_path / "Maildir", mails[3:5])
    _maildir(tmp_path / "Maildir", [_eml(10)], folder=".Th&AbA- &AREA4w- g&Ah0-i")
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "one.eml").write_bytes(mails[5])
    (loose / "notes.md").write_text("# not mail")
    (loose / "cv.msg").write_bytes(
        outlook_msg(
            subject="Công văn",
            sender="a@ninhthuan.gov.vn",
            sender_name="A",
            to="B",
            body="Nội dung",
            sent=__import__("datetime").datetime(2024, 1, 2, tzinfo=__import__("datetime").UTC),
        )
    )
    entries = plan([tmp_path / "archive.mbox", tmp_path / "Maildir", loose])
    summary = run_import(archive, entries).as_dict()
    assert summary["by_format"]["mbox"]["messages_new"] == 3
    assert summary["by_format"]["maildir"]["messages_new"] == 3
    assert summary["by_format"]["eml"]["messages_new"] == 1
    assert summary["by_format"]["msg"]["messages_new"] == 1
    assert summary["skipped"] == 1 and summary["messages_new"] == 8
    # mbox messages are stored as they were before escaping, without the From_ line.
    with archive.sessions() as s:
        ids = s.scalars(select(Message.sha256).where(Message.subject == "Thư số 1")).all()
    stored = archive.blobs.get(ids[0])
    assert stored == mails[1].replace(b"\r\n", b"\n")
    assert b"\nFrom the desk" in stored
    again = run_import(archive, plan([tmp_path])).as_dict()
    assert again["messages_new"] == 0 and again["messages_existing"] == 8


def _tar(path: Path, members: dict[str, bytes], compress: str = "gz") -> None:
    with tarfile.open(path, f"w:{compress}") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_tar_exports_and_compressed_mail(archive: Archive, tmp_path: Path) -> None:
    """A Zimbra-style .tgz (messages beside .meta files) and gzip/bzip2/xz mail files are
    read in place; the archived bytes are the messages', not the compressed file's."""
    mails = [_eml(i) for i in range(8)]
    mbox = tmp_path / "box.mbox"
    _mbox(mbox, mails[2:4])
    _tar(
        tmp_path / "export.tgz",
        {
            "Inbox/0001.eml": mails[0],
            "Inbox/0001.eml.meta": b'{"folder":"Inbox","flags":"u"}',
            "Sent/0002.eml": mails[1],
            "Old/box.mbox": mbox.read_bytes(),
        },
    )
    mbox.unlink()
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.eml.gz").write_bytes(gzip.compress(mails[4]))
    (drop / "b.eml.bz2").write_bytes(bz2.compress(mails[5]))
    _mbox(tmp_path / "m.mbox", mails[6:8])
    (drop / "m.mbox.xz").write_bytes(lzma.compress((tmp_path / "m.mbox").read_bytes()))
    (tmp_path / "m.mbox").unlink()
    (drop / "photos.tar.gz").write_bytes(b"")  # named like an archive, but empty: not mail
    (drop / "report.pdf.gz").write_bytes(gzip.compress(b"%PDF-1.4\n"))

    entries = plan([tmp_path / "export.tgz", drop])
    summary = run_import(archive, entries)
    data = summary.as_dict()
    assert data["by_format"]["tar"]["messages_new"] == 4  # two .eml, two in the mbox
    assert data["by_format"]["tar"]["skipped"] == 1  # the .meta file
    assert data["by_format"]["eml"]["messages_new"] == 2
    assert data["by_format"]["mbox"]["messages_new"] == 2
    assert data["messages_new"] == 8 and data["skipped"] == 3  # .meta, empty file, pdf.gz
    assert data["bytes_read"] == entries.total_bytes  # progress ends at 100 %
    refs = dict(summary.problems)
    assert refs[f"{tmp_path / 'export.tgz'}#Inbox/0001.eml.meta"] == "skipped: not mail"
    with archive.sessions() as s:
        stored = s.scalars(select(Message.sha256).where(Message.subject == "Thư số 5")).one()
    assert archive.blobs.get(stored) == mails[5]
    # The same messages given plain are the ones already archived.
    loose = tmp_path / "loose"
    loose.mkdir()
    for i in (0, 1, 4, 5):
        (loose / f"{i}.eml").write_bytes(mails[i])
    again = run_import(archive, plan([loose])).as_dict()
    assert (again["messages_new"], again["messages_existing"]) == (0, 4)


def test_zip_exports(archive: Archive, tmp_path: Path) -> None:
    """A ZIP of messages (a mail client's export) is read member by member; a ZIP of
    documents found in a folder is not mail and is skipped whole."""
    mails = [_eml(i) for i in range(5)]
    box = io.BytesIO()
    with zipfile.ZipFile(box, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Hộp thư đến/", b"")
        zf.writestr("Hộp thư đến/1.eml", mails[0])
        zf.writestr("Hộp thư đến/2.eml", mails[1])
        zf.writestr("Lưu trữ/cu.mbox", b"".join(_mbox_bytes(mails[2:4])))
        zf.writestr("Hộp thư đến/dinh-kem.pdf", b"%PDF-1.4\n" + b"0" * 3000)
    (tmp_path / "export.zip").write_bytes(box.getvalue())
    folder = tmp_path / "folder"
    folder.mkdir()
    with zipfile.ZipFile(folder / "van-ban.zip", "w") as zf:
        zf.writestr("a.pdf", b"%PDF-1.4\n")
    (folder / "5.eml").write_bytes(mails[4])

    entries = plan([tmp_path / "export.zip", folder])
    summary = run_import(archive, entries)
    data = summary.as_dict()
    assert data["by_format"]["zip"]["messages_new"] == 4
    assert data["by_format"]["zip"]["skipped"] == 1
    assert data["by_format"]["eml"]["messages_new"] == 1
    assert data["skipped"] == 2  # the PDF in the export, the ZIP of documents
    refs = dict(summary.problems)
    assert refs[f"{tmp_path / 'export.zip'}#Hộp thư đến/dinh-kem.pdf"] == "skipped: not mail"
    assert f"{folder / 'van-ban.zip'}" in refs
    assert data["bytes_read"] == entries.total_bytes
    with archive.sessions() as s:
        stored = s.scalars(select(Message.sha256).where(Message.subject == "Thư số 3")).one()
    assert archive.blobs.get(stored) == mails[3].replace(b"\r\n", b"\n")


def test_truncated_archive_keeps_what_came_before_and_reports_the_rest(
    archive: Archive, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.tgz"
    _tar(whole, {f"m/{i}.eml": _eml(i, "x" * 4000) for i in range(20)})
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # a broken download
    summary = run_import(archive, plan([cut])).as_dict()
    assert 0 < summary["messages_new"] < 20
    assert summary["unreadable"] == 1
    assert summary["problems"][-1]["ref"] == str(cut)
    assert summary["problems"][-1]["problem"].startswith("cannot read")


def test_messages_over_twice_the_limit_are_reported_not_loaded(
    archive: Archive, tmp_path: Path
) -> None:
    archive.settings.limits.max_message_bytes = 4096  # read at most 8,192 per message
    big = _eml(1, "x" * 20_000)
    _mbox(tmp_path / "box.mbox", [_eml(0), big, _eml(2)])
    (tmp_path / "bomb.eml.gz").write_bytes(gzip.compress(_eml(3, "0" * 5_000_000)))
    (tmp_path / "over.eml").write_bytes(_eml(4, "y" * 5_000))  # over the limit, under twice
    entries = plan([tmp_path / "box.mbox", tmp_path / "bomb.eml.gz", tmp_path / "over.eml"])
    summary = run_import(archive, entries).as_dict()
    assert summary["by_format"]["mbox"]["messages_new"] == 2
    assert summary["unreadable"] == 2
    problems = {p["ref"]: p["problem"] for p in summary["problems"]}
    for ref in (f"{tmp_path / 'box.mbox'}#2", str(tmp_path / "bomb.eml.gz")):
        assert problems[ref].startswith("not read: a message of over 8,192 bytes")
    assert "over limits.max_message_bytes" in problems[str(tmp_path / "over.eml")]
    assert summary["bytes_read"] == entries.total_bytes
    with archive.sessions() as s:
        subjects = set(s.scalars(select(Message.subject)).all())
    assert subjects == {"Thư số 0", "Thư số 2", None}  # the oversize one: raw, unparsed


def test_plan_keeps_a_total_not_the_entries(tmp_path: Path) -> None:
    """A big Maildir's plan costs the same memory as a small one's; reading walks again."""
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    raws = [_eml(i) for i in range(3000)]
    for i, raw in enumerate(raws):
        (box / "cur" / f"{i:05d}.host:2,S").write_bytes(raw)
    (box / "new" / ".hidden").write_bytes(b"not a message")
    plan([box])  # once first: pathlib interns the names, and the interning table grows once
    tracemalloc.start()
    try:
        before, _peak = tracemalloc.get_traced_memory()
        planned = plan([box])
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024  # a list of the entries: ~2.3 MB
    assert planned.total_bytes == sum(len(raw) for raw in raws)
    entries = list(planned)
    assert [e.path.name for e in entries] == [f"{i:05d}.host:2,S" for i in range(3000)]
    assert {e.fmt for e in entries} == {"maildir"}
    (box / "new" / "late.host").write_bytes(_eml(3000))  # delivered after planning
    assert len(list(planned)) == 3001


def test_a_maildir_without_cur_is_a_maildir_and_its_tmp_is_left_alone(
    archive: Archive, tmp_path: Path
) -> None:
    box = tmp_path / "Maildir"
    for sub in ("new", "tmp"):  # as delivered, before any mail client opened it
        (box / sub).mkdir(parents=True)
    (box / "new" / "1.host").write_bytes(_eml(1))
    (box / "tmp" / "2.host").write_bytes(_eml(2)[:40])  # a delivery still being written
    entries = list(plan([box]))
    assert [(e.path.name, e.fmt) for e in entries] == [("1.host", "maildir")]
    summary = run_import(archive, plan([box]))
    assert summary.as_dict()["by_format"]["maildir"]["messages_new"] == 1


def test_import_cli_json_and_idempotence(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.eml").write_bytes(_eml(i))
    env = os.environ | {"GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"'}
    env.pop("GOVMAIL_DATABASE__URL", None)
    cmd = [sys.executable, "-m", "cli.main", "import", "--json", str(folder)]
    first = json.loads(
        subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, check=True).stdout
    )
    second = json.loads(
        subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, check=True).stdout
    )
    for key in ("messages_new", "messages_existing", "parse_errors", "attachments"):
        assert key in first
    assert (first["messages_new"], first["messages_existing"]) == (5, 0)
    assert (second["messages_new"], second["messages_existing"]) == (0, 5)


def test_killed_import_resumes_without_duplicates_or_partial_blobs(tmp_path: Path) -> None:
    mbox = tmp_path / "big.mbox"
    _mbox(mbox, [_eml(i, "Nội dung dài " * 2000) for i in range(400)])
    data_dir = tmp_path / "var"
    env = os.environ | {
        "GOVMAIL_STORAGE__DATA_DIR": f'"{data_dir}"',
        "GOVMAIL_INGEST__BATCH_SIZE": "8",
    }
    env.pop("GOVMAIL_DATABASE__URL", None)
    cmd = [sys.executable, "-m", "cli.main", "-v", "import", str(mbox)]
    archived = 0
    with subprocess.Popen(
        cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as proc:
        # Wait until some batches are committed, then kill -9 in the middle of the import.
        deadline = time.monotonic() + 60
        while archived < 40 and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            archived += b'"event": "archived"' in line
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert 40 <= archived < 400
    finish = subprocess.run(
        [sys.executable, "-m", "cli.main", "import", "--json", str(mbox)],
        env=env,
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    summary = json.loads(finish.stdout)
    assert b"Warning" not in finish.stderr, finish.stderr  # nor from the worker processes
    assert summary["messages_new"] + summary["messages_existing"] == 400
    assert summary["messages_existing"] >= archived - 8
    stats = json.loads(
        subprocess.run(
            [sys.executable, "-m", "cli.main", "stats", "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
    )
    assert stats["messages"] == 400
    verify = subprocess.run(
        [sys.executable, "-m", "cli.main", "archive", "verify", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
    )
    assert verify.returncode == 0, verify.stdout
    subprocess.run(
        [sys.executable, "-m", "cli.main", "init"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert not list((data_dir / "blobs" / "tmp").iterdir())
