"""Every message of the shared corpus imports; concrete expectations for many of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.ingest import Archive, Source
from archive.models import Message
from archive.queries import find_message, message_detail
from tests.conftest import CORPUS, corpus_path

EMAIL = ("python__cpython", "Lib", "test", "test_email", "data")
MIMEKIT = ("jstedfast__MimeKit", "UnitTests", "TestData")


def _message_files() -> list[Path]:
    if not CORPUS.exists():
        return []
    suffixes = {".eml", ".txt", ".msg"}
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in suffixes and "LICENSE" not in str(p)
    )


def _ingest(archive: Archive, *parts: str) -> dict:
    path = corpus_path(*parts)
    result = archive.ingest(path.read_bytes(), Source("import", str(path)))
    with archive.sessions() as session:
        return message_detail(find_message(session, result.id))


def _attachments(detail: dict) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (p["filename"], p["declared_type"], p["detected_type"])
        for p in detail["parts"]
        if p["is_attachment"]
    ]


def test_every_corpus_message_imports_and_is_kept_byte_exact(archive: Archive) -> None:
    files = _message_files()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS}")
    assert len(files) == 59
    for path in files:
        raw = path.read_bytes()
        result = archive.ingest(raw, Source("import", str(path)))
        assert result.new, path
        assert archive.blobs.get(result.sha256) == raw
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Message.id))) == 59
    again = [archive.ingest(p.read_bytes(), Source("import", str(p))) for p in files]
    assert not any(r.new or r.new_source for r in again)


def test_gif_attachment_msg_07(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_07.txt")
    assert d["subject"] == "Here is your dingus fish"
    assert _attachments(d) == [("dingusfish.gif", "image/gif", "image/gif")]
    gif = next(p for p in d["parts"] if p["filename"] == "dingusfish.gif")
    assert gif["size"] == 3512
    assert archive.blobs.get(gif["sha256"])[:6] == b"GIF87a"


def test_two_jpegs_msg_22(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_22.txt")
    assert _attachments(d) == [
        ("wibble.JPG", "image/jpeg", "image/jpeg"),
        ("wibble2.JPG", "image/jpeg", "image/jpeg"),
    ]


def test_riscos_attachment_declared_vs_detected_msg_26(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_26.txt")
    ((name, declared, detected),) = _attachments(d)
    assert (name, declared) == ("clock.bmp", "application/riscos")
    assert detected == "image/bmp"


def test_digest_with_five_nested_messages_msg_02(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_02.txt")
    assert d["subject"] == "Ppp digest, Vol 1 #2 - 5 msgs"
    nested = [p for p in d["parts"] if p["declared_type"] == "message/rfc822"]
    assert len(nested) == 5
    inner = [p for p in d["parts"] if p["container"] == "message"]
    assert len(inner) == 5 and all(p["depth"] == 1 for p in inner)


def test_pgp_signature_part_msg_45(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_45.txt")
    assert ("signature.asc", "application/pgp-signature", "application/pgp-signature") in (
        _attachments(d)
    )


def test_related_jpeg_in_gmail_dkim_message(archive: Archive) -> None:
    d = _ingest(archive, *MIMEKIT, "dkim", "related.msg")
    assert _attachments(d) == [("Christopher-Lloyd-as-Doc-Brown.jpg", "image/jpeg", "image/jpeg")]


def test_tnef_winmail_dat_is_unpacked_ukr(archive: Archive) -> None:
    d = _ingest(archive, *MIMEKIT, "tnef", "ukr.eml")
    tnef = next(p for p in d["parts"] if p["filename"] == "winmail.dat")
    assert tnef["declared_type"] == "application/ms-tnef"
    assert tnef["detected_type"] == "application/vnd.ms-tnef"
    inside = [p for p in d["parts"] if p["parent"] == tnef["ordinal"]]
    assert [p["container"] for p in inside] == ["tnef"]
    assert inside[0]["detected_type"] == "text/html"
    body = archive.blobs.get(d["parts"][1]["sha256"]).decode("koi8-r")
    assert d["parts"][1]["charset"] == "koi8-r" and body.strip()


def test_utf8_encoded_word_subject_and_attachments_mailsplit(archive: Archive) -> None:
    d = _ingest(archive, "zone-eu__mailsplit", "test", "fixtures", "message.eml")
    assert d["subject"] == "Nodemailer is unicode friendly ✔"
    names = {(n, det) for n, _decl, det in _attachments(d)}
    assert {("image.png", "image/png"), ("nyancat.gif", "image/gif")} <= names
    assert any(n == "notes.txt" for n, _ in names)


def test_mime_torture_nesting(archive: Archive) -> None:
    d = _ingest(archive, "zone-eu__mailsplit", "test", "fixtures", "mimetorture.eml")
    assert d["subject"] == "Ryan Finnie's MIME Torture Test v1.0"
    assert len(d["parts"]) == 49
    assert sum(p["declared_type"] == "message/rfc822" for p in d["parts"]) == 11
    gz = {p["filename"]: p["detected_type"] for p in d["parts"] if p["filename"]}
    assert gz["foo.gz"] == "application/gzip"
    assert gz["blah1.gz"] == "application/gzip"
    assert gz["blah.gz"] == "application/octet-stream"  # declared gzip, but it is not
    assert max(p["depth"] for p in d["parts"]) == 2


def test_japanese_iso_2022_jp_subject(archive: Archive) -> None:
    d = _ingest(archive, *MIMEKIT, "messages", "japanese.txt")
    assert d["subject"] and any("\u3040" <= ch <= "\u30ff" for ch in d["subject"])


def test_base64_root_png(archive: Archive) -> None:
    d = _ingest(archive, "nodemailer__mailparser", "test", "fixtures", "base64encodedroot.eml")
    assert _attachments(d) == [("screenshot.png", "image/png", "image/png")]


@pytest.mark.parametrize(
    ("parts", "defect"),
    [
        ((*EMAIL, "msg_15.txt"), "StartBoundaryNotFound"),
        ((*EMAIL, "msg_25.txt"), "NoBoundaryInMultipart"),
        ((*EMAIL, "msg_38.txt"), "CloseBoundaryNotFound"),
        ((*MIMEKIT, "dkim", "multipart-no-end-boundary.msg"), "CloseBoundaryNotFound"),
        (
            ("stalwartlabs__mail-parser", "resources", "eml", "malformed", "006.eml"),
            "CloseBoundaryNotFound",
        ),
    ],
)
def test_malformed_messages_are_kept_raw_with_a_parse_error(
    archive: Archive, parts, defect
) -> None:
    path = corpus_path(*parts)
    raw = path.read_bytes()
    result = archive.ingest(raw, Source("import", str(path)))
    assert result.parse_error and defect in result.parse_error
    assert archive.blobs.get(result.sha256) == raw
    with archive.sessions() as session:
        d = message_detail(find_message(session, result.id))
    assert defect in d["defects"]


def test_message_without_headers_msg_19(archive: Archive) -> None:
    path = corpus_path(*EMAIL, "msg_19.txt")
    result = archive.ingest(path.read_bytes())
    assert result.parse_error == "no header fields (the message starts with body text)"


def test_msg_25_body_without_boundary_is_read_as_text(archive: Archive) -> None:
    d = _ingest(archive, *EMAIL, "msg_25.txt")
    assert d["attachment_count"] == 0
    with archive.sessions() as session:
        body_sha = session.get(Message, d["id"]).body_text_sha256
    assert b"The original message was received" in archive.blobs.get(body_sha)


def test_stalwart_reference_subjects_and_attachment_names(archive: Archive) -> None:
    """Stalwart's parse trees (Dovecot's malformed set) are a reference, not a spec.

    We agree on subjects and attachment names everywhere, and on the part count where the
    MIME rules leave no choice; the others are listed with the reason we differ.
    """
    folder = corpus_path("stalwartlabs__mail-parser", "resources", "eml", "malformed")
    # file: our part count (top level), and why it differs from Stalwart's where it does
    differs = {
        "000.eml": (4, "stdlib splits at every '--:foo' line; Stalwart drops them all"),
        "004.eml": (
            1,
            "'--ab' is not the delimiter of boundary 'a' (RFC 2046); Stalwart accepts the prefix",
        ),
        "012.eml": (5, "stdlib ends the unclosed inner part at the outer boundary"),
        "014.eml": (3, "stdlib keeps the empty part after a trailing delimiter"),
        "016.eml": (5, "the same for nested boundaries that are prefixes of each other"),
        "020.eml": (5, "stdlib reads the headers-in-body alternative as a multipart"),
    }
    for eml in sorted(folder.glob("*.eml")):
        expected = json.loads(eml.with_suffix(".json").read_text())
        result = archive.ingest(eml.read_bytes())
        with archive.sessions() as session:
            d = message_detail(find_message(session, result.id))
        ours = [p for p in d["parts"] if p["depth"] == 0]
        want = differs[eml.name][0] if eml.name in differs else len(expected["parts"])
        assert len(ours) == want, eml.name
        subject = next(
            (h["value"]["Text"] for h in expected["parts"][0]["headers"] if h["name"] == "subject"),
            None,
        )
        assert d["subject"] == subject, eml.name
        names = sorted({p["filename"] for p in d["parts"] if p["filename"]})
        assert names == sorted(set(_stalwart_names(expected["parts"]))), eml.name


def _stalwart_names(parts: list[dict]) -> list[str]:
    names = []
    for part in parts:
        for header in part["headers"]:
            value = header["value"]
            if isinstance(value, dict) and "ContentType" in value:
                for attr in value["ContentType"].get("attributes") or []:
                    if attr["name"] in ("filename", "name"):
                        names.append(attr["value"])
        body = part["body"]
        if isinstance(body, dict) and "Message" in body:
            names += _stalwart_names(body["Message"]["parts"])
    return names
