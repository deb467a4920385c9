"""Archives inside messages: ZIP (nested, bombs, encrypted), TNEF, Outlook .msg, depth."""

from __future__ import annotations

import base64
import io
import struct
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from archive.mime_walk import WalkLimits
from archive.prepare import PreparedMessage, prepare, sha256_of
from tests.conftest import corpus_path
from tests.fixtures.cfb import outlook_msg

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _mail_with(
    filename: str, data: bytes, maintype: str = "application", subtype: str = "zip"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "a@ninhthuan.gov.vn"
    msg["To"] = "b@ninhthuan.gov.vn"
    msg["Subject"] = "Hồ sơ"
    msg.set_content("Gửi kèm hồ sơ.")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def _files(pre: PreparedMessage) -> dict[str, tuple[str | None, str | None]]:
    return {p.path: (p.filename, p.detected_type) for p in pre.parts if p.container != "mime"}


def test_zip_members_are_unpacked_and_typed_by_content() -> None:
    inner = _zip({"phụ lục.pdf": PDF})
    outer = _zip(
        {
            "Công văn 5985.pdf": PDF,
            "ghi chú.txt": "Ghi chú".encode(),
            "phu-luc.zip": inner,
            "thư mục/": b"",
        }
    )
    pre = prepare(_mail_with("ho-so.zip", outer), WalkLimits())
    files = _files(pre)
    assert files == {
        "2/zip:Công văn 5985.pdf": ("Công văn 5985.pdf", "application/pdf"),
        "2/zip:ghi chú.txt": ("ghi chú.txt", "text/plain"),
        "2/zip:phu-luc.zip": ("phu-luc.zip", "application/zip"),
        "2/zip:phu-luc.zip/zip:phụ lục.pdf": ("phụ lục.pdf", "application/pdf"),
    }
    pdfs = [p for p in pre.parts if p.detected_type == "application/pdf"]
    assert len({p.sha256 for p in pdfs}) == 1  # the same PDF twice is one blob
    assert pre.attachment_count == 5


def test_nesting_depth_limit_gives_a_verdict() -> None:
    data = PDF
    for level in range(7):
        data = _zip({f"level{level}.zip" if level else "doc.pdf": data})
    pre = prepare(_mail_with("deep.zip", data), WalkLimits(max_depth=5))
    depths = [p.depth for p in pre.parts]
    assert max(depths) == 5
    stopped = [p for p in pre.parts if p.error and "max_nesting_depth" in p.error]
    assert len(stopped) == 1 and stopped[0].depth == 5
    assert any("max_nesting_depth" in e for e in pre.errors)


def test_zip_bomb_by_ratio_is_not_unpacked() -> None:
    bomb = _zip({"zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    pre = prepare(_mail_with("bomb.zip", bomb), WalkLimits(max_compression_ratio=100))
    member = next(p for p in pre.parts if p.container == "zip")
    assert member.sha256 is None and "possible archive bomb" in member.error
    assert all(b.size < 1_000_000 for k, b in pre.blobs.items() if k != pre.sha256)


def test_total_decompressed_bytes_are_bounded() -> None:
    members = {f"f{i}.bin": bytes([i]) * 300_000 for i in range(10)}
    pre = prepare(
        _mail_with("many.zip", _zip(members, zipfile.ZIP_STORED)),
        WalkLimits(max_archive_bytes=1_000_000),
    )
    unpacked = [p for p in pre.parts if p.container == "zip" and p.sha256]
    refused = [p for p in pre.parts if p.container == "zip" and not p.sha256]
    assert len(unpacked) == 3 and len(refused) == 7
    assert all("max_archive_bytes" in p.error for p in refused)


def test_member_count_limit() -> None:
    members = {f"f{i}.txt": b"x" for i in range(30)}
    pre = prepare(_mail_with("many.zip", _zip(members)), WalkLimits(max_archive_members=10))
    assert sum(p.container == "zip" for p in pre.parts) == 10
    holder = next(p for p in pre.parts if p.filename == "many.zip")
    assert "max_archive_members" in holder.error


def test_encrypted_member_is_recorded_not_unpacked() -> None:
    data = bytearray(_zip({"secret.pdf": PDF}, zipfile.ZIP_STORED))
    # Set the "encrypted" flag in the local header and the central directory entry.
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        data[flag_at] |= 0x01
    pre = prepare(_mail_with("secret.zip", bytes(data)), WalkLimits())
    member = next(p for p in pre.parts if p.container == "zip")
    assert member.filename == "secret.pdf" and member.sha256 is None
    assert "encrypted" in member.error


def test_corrupt_zip_is_kept_with_its_error() -> None:
    pre = prepare(_mail_with("broken.zip", b"PK\x03\x04" + b"garbage" * 50), WalkLimits())
    holder = next(p for p in pre.parts if p.filename == "broken.zip")
    assert holder.sha256 is not None  # the bytes are stored as they came
    assert not [p for p in pre.parts if p.container == "zip"]


def test_office_files_are_not_taken_for_zip_archives() -> None:
    docx = _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "word/document.xml": b"<w:document/>",
        }
    )
    odt = _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        },
        zipfile.ZIP_STORED,
    )
    pre = prepare(_mail_with("qd.docx", docx), WalkLimits())
    part = next(p for p in pre.parts if p.filename == "qd.docx")
    assert part.detected_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert not [p for p in pre.parts if p.container == "zip"]
    pre = prepare(_mail_with("bc.odt", odt), WalkLimits())
    part = next(p for p in pre.parts if p.filename == "bc.odt")
    assert part.detected_type == "application/vnd.oasis.opendocument.text"


def test_tnef_streams_from_the_corpus() -> None:
    for name, expected in (
        ("panic.tnef", ["image001.jpg", "image002.jpg", "image003.png"]),
        ("winmail.tnef", ["Untitled Attachment", "Untitled Attachment"]),
    ):
        data = corpus_path("jstedfast__MimeKit", "UnitTests", "TestData", "tnef", name)
        pre = prepare(
            _mail_with("winmail.dat", data.read_bytes(), "application", "ms-tnef"), WalkLimits()
        )
        inside = [p for p in pre.parts if p.container == "tnef"]
        assert [p.filename for p in inside if p.filename] == expected
        body = next(p for p in inside if not p.filename)
        assert body.declared_type == ("text/html" if name == "panic.tnef" else "text/rtf")


def _sample_msg() -> bytes:
    return outlook_msg(
        subject="Công văn số 12/UBND-VP",
        sender="vanthu@ubnd.ninhthuan.gov.vn",
        sender_name="Văn thư",
        to="Sở TT&TT",
        body="Kính gửi Sở Thông tin và Truyền thông.",
        sent=datetime(2024, 5, 6, 8, 0, tzinfo=UTC),
        attachments=[
            ("Công văn 12.pdf", "application/pdf", PDF + b"\0" * 5000),
            ("ghi chú.txt", "text/plain", "Ghi chú".encode()),
        ],
        embedded_msg=dict(
            subject="Thư gốc",
            sender="a@b.gov.vn",
            sender_name="A",
            to="B",
            body="nội dung gốc",
            sent=datetime(2024, 5, 1, tzinfo=UTC),
        ),
    )


def test_outlook_msg_file_as_the_message_itself() -> None:
    pre = prepare(_sample_msg(), WalkLimits())
    assert pre.parse_error is None
    assert pre.subject == "Công văn số 12/UBND-VP"
    assert pre.from_address == "vanthu@ubnd.ninhthuan.gov.vn" and pre.from_name == "Văn thư"
    assert pre.sent_at == datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
    files = {p.filename: p.detected_type for p in pre.parts if p.filename}
    assert files == {
        "Công văn 12.pdf": "application/pdf",
        "ghi chú.txt": "text/plain",
        "forwarded.eml": "message/rfc822",
    }
    assert (
        pre.blobs[pre.body_text_sha256].data.decode() == "Kính gửi Sở Thông tin và Truyền thông.\n"
    )
    nested = [p for p in pre.parts if p.container == "message"]
    assert nested and nested[0].declared_type == "text/plain"


def test_outlook_msg_attached_to_a_mail() -> None:
    pre = prepare(
        _mail_with("fw.msg", _sample_msg(), "application", "vnd.ms-outlook"), WalkLimits()
    )
    holder = next(p for p in pre.parts if p.filename == "fw.msg")
    assert holder.detected_type == "application/vnd.ms-outlook"
    inside = {p.filename for p in pre.parts if p.parent == holder.ordinal or p.depth >= 1}
    assert {"Công văn 12.pdf", "ghi chú.txt"} <= inside
    pdf = next(p for p in pre.parts if p.filename == "Công văn 12.pdf")
    assert pdf.depth == 1 and pdf.detected_type == "application/pdf"


def test_broken_outlook_msg_is_recorded() -> None:
    data = bytearray(_sample_msg())
    data[600:4000] = b"\xff" * 3400
    pre = prepare(bytes(data), WalkLimits())
    assert pre.parse_error is None or "Outlook" in pre.parse_error
    assert pre.blobs[pre.sha256].data == bytes(data)


def test_filenames_rfc2231_and_encoded_words() -> None:
    raw = (
        b"From: a@b.vn\r\nSubject: =?utf-8?B?VsSDbiBi4bqjbg==?=\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nx\r\n--b\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''C%C3%B4ng%20v%C4%83n.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b\r\n"
        b"Content-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?B?UXV54bq/dCDEkeG7i25oLnBkZg==?="'
        b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    pre = prepare(raw, WalkLimits())
    assert pre.subject == "Văn bản"
    assert [p.filename for p in pre.parts if p.is_attachment] == ["Công văn.pdf", "Quyết định.pdf"]


def test_raw_utf8_filename_and_subject() -> None:
    raw = (
        "From: a@b.vn\r\nSubject: Công văn gửi Sở\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nx\r\n--b\r\n"
        'Content-Type: application/pdf; name="Tờ trình.pdf"\r\n'
        'Content-Disposition: attachment; filename="Tờ trình.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ).encode()
    pre = prepare(raw, WalkLimits())
    assert pre.subject == "Công văn gửi Sở"
    assert [p.filename for p in pre.parts if p.is_attachment] == ["Tờ trình.pdf"]


def _p7m(content: bytes) -> bytes:
    """An S/MIME opaque-signed ``smime.p7m`` (CMS SignedData carrying ``content``)."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key, hashes.SHA256())
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def test_smime_p7m_signed_content_is_walked() -> None:
    inner = (
        b'Content-Type: multipart/mixed; boundary="in"\r\n\r\n--in\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi\r\n--in\r\n"
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="qd.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PDF) + b"--in--\r\n"
    )
    head = b"From: a@b.vn\r\nSubject: signed\r\nMIME-Version: 1.0\r\n"
    cte = b"Content-Transfer-Encoding: base64\r\n\r\n"
    raw = (
        head + b'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"'
        b"\r\n" + cte + base64.encodebytes(_p7m(inner))
    )
    pre = prepare(raw, WalkLimits())
    pdf = next(p for p in pre.parts if p.filename == "qd.pdf")
    assert pdf.detected_type == "application/pdf" and pdf.depth == 1
    assert pre.blobs[pdf.sha256].data == PDF
    assert pre.blobs[pre.body_text_sha256].data.decode() == "Kính gửi"
    bad = head + b"Content-Type: application/pkcs7-mime\r\n" + cte + b"Z2FyYmFnZQ==\r\n"
    pre = prepare(bad, WalkLimits())
    assert pre.parse_error is None and len(pre.parts) == 1
    assert "S/MIME" in pre.parts[0].error and pre.parts[0].sha256 == sha256_of(b"garbage")


def test_reading_a_p7m_first_leaves_pyhankos_names_usable() -> None:
    """asn1crypto freezes its name maps on first use: a p7m read before any PDF signature
    check must not leave out the names pyhanko adds (a worker does both)."""
    script = (
        "import sys\n"
        "from archive.containers import unp7m\n"
        "unp7m(sys.stdin.buffer.read())\n"
        "from asn1crypto import cms, tsp\n"
        "from pyhanko.sign import validation\n"
        "cms.ContentType('tst_info')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=_p7m(b"Subject: x\r\n\r\nx\r\n"),
        capture_output=True, cwd=Path(__file__).resolve().parent.parent, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-500:]


def test_damaged_base64_is_recorded_on_the_part() -> None:
    raw = (
        b'From: a@b.vn\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n"
        b'Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
        b"\r\nJVBERi0x!!LjQK=====x\r\n--b\r\n"
        b'Content-Type: application/pdf; name="ok.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
        b"\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    pre = prepare(raw, WalkLimits())
    errors = {p.filename: p.error for p in pre.parts if p.is_attachment}
    assert "InvalidBase64" in errors["a.pdf"] and errors["ok.pdf"] is None
    assert any(e.startswith("2: ") and "InvalidBase64" in e for e in pre.errors)


def test_legacy_charset_filename_is_nfc() -> None:
    """RFC 2231 in windows-1258: tones are combining bytes; the name must come out NFC."""
    raw = (
        b'From: a@b.vn\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=windows-1258''C%F4ng%20v%E3n%20s%F4%EC.pdf"
        b"\r\n\r\n%PDF-1.4\r\n--b--\r\n"
    )
    pre = prepare(raw, WalkLimits())
    assert [p.filename for p in pre.parts if p.is_attachment] == ["Công văn số.pdf"]


def test_tnef_attachment_named_in_a_legacy_code_page() -> None:
    """Old Outlook writes attachment titles in its ANSI code page; tnefparse reads them as
    UTF-8 and raised, which used to lose every part of the message."""

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        head = struct.pack("<BHHI", level, name, kind, len(data))
        return head + data + struct.pack("<H", sum(data) & 0xFFFF)

    tnef = struct.pack("<IH", 0x223E9F78, 1)
    tnef += attribute(1, 0x9007, 0x0006, struct.pack("<I", 1258))  # OEM code page
    tnef += attribute(2, 0x9002, 0x0006, b"\x01\x00" + b"\xff" * 12)  # attachment starts
    tnef += attribute(2, 0x8010, 0x0001, b"C\xf4ng v\xe3n s\xf4\xec 5.pdf\x00")  # cp1258 title
    tnef += attribute(2, 0x800F, 0x0006, PDF)
    pre = prepare(_mail_with("winmail.dat", tnef, "application", "ms-tnef"), WalkLimits())
    assert pre.parse_error is None
    assert pre.blobs[pre.body_text_sha256].data.decode() == "Gửi kèm hồ sơ.\n"
    inside = [p for p in pre.parts if p.container == "tnef"]
    assert [(p.filename, p.detected_type) for p in inside] == [
        ("Công văn số 5.pdf", "application/pdf")
    ]


def test_an_unpacker_failing_costs_only_its_attachment(monkeypatch) -> None:
    import archive.mime_walk

    def broken(data, budget):
        raise KeyError("unexpected")
        yield

    monkeypatch.setattr(archive.mime_walk, "unzip", broken)
    pre = prepare(_mail_with("a.zip", _zip({"a.pdf": PDF})), WalkLimits())
    assert pre.parse_error is None and pre.body_text_sha256 is not None
    holder = next(p for p in pre.parts if p.filename == "a.zip")
    assert holder.sha256 is not None and "KeyError" in holder.error
    assert pre.errors == [f"2: {holder.error}"]
