"""Archive.ingest: stored once, parsed, parts recorded, never raising on bad input."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import func, select

from archive.ingest import Archive, Source
from archive.models import Address, Blob, IngestError, Message, MessageSource, Part


def _vn_message(subject: str = "Kế hoạch ứng dụng CNTT năm 2024") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Văn thư <VanThu@UBND.NinhThuan.gov.vn>"
    msg["To"] = "Sở TT&TT <sotttt@ninhthuan.gov.vn>, a@bộ.vn"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 11 Mar 2024 09:30:00 +0700"
    msg["Message-ID"] = "<kh-2024@ninhthuan.gov.vn>"
    msg.set_content("Kính gửi các cơ quan, đơn vị.")
    msg.add_attachment(
        b"%PDF-1.4\n%...\n", maintype="application", subtype="pdf", filename="Kế hoạch số 12.pdf"
    )
    msg.set_boundary("==govmail-test==")
    return bytes(msg)


def test_ingest_records_headers_addresses_and_parts(archive: Archive) -> None:
    result = archive.ingest(
        _vn_message(),
        Source("smtp", "tx-1", mail_from="vanthu@x", rcpt_to=("a@b",), direction="outbound"),
    )
    assert result.new and result.attachments == 1 and result.parse_error is None
    with archive.sessions() as s:
        msg = s.get(Message, result.id)
        assert msg.subject == "Kế hoạch ứng dụng CNTT năm 2024"
        assert msg.message_id == "<kh-2024@ninhthuan.gov.vn>"
        assert msg.sent_at.isoformat() == "2024-03-11T02:30:00+00:00"
        assert msg.from_address == "vanthu@ubnd.ninhthuan.gov.vn"
        assert msg.channel == "smtp" and msg.direction == "outbound"
        to = s.scalars(
            select(Address.address).where(Address.message_id == msg.id, Address.role == "to")
        ).all()
        assert to == ["sotttt@ninhthuan.gov.vn", "a@xn--b-8xm.vn"]
        parts = s.scalars(
            select(Part).where(Part.message_id == msg.id).order_by(Part.ordinal)
        ).all()
        assert [p.declared_type for p in parts] == [
            "multipart/mixed",
            "text/plain",
            "application/pdf",
        ]
        pdf = parts[2]
        assert pdf.filename == "Kế hoạch số 12.pdf" and pdf.is_attachment
        assert pdf.detected_type == "application/pdf"
        assert archive.blobs.get(pdf.sha256) == b"%PDF-1.4\n%...\n"
        assert archive.blobs.get(msg.sha256) == _vn_message()
        body = archive.blobs.get(msg.body_text_sha256).decode()
        assert body == "Kính gửi các cơ quan, đơn vị.\n"
        assert msg.body_text_sha256 == parts[1].sha256  # one UTF-8 text part: one blob


def test_same_message_twice_is_one_message_with_two_sightings(archive: Archive) -> None:
    raw = _vn_message()
    first = archive.ingest(raw, Source("import", "a.eml"))
    again = archive.ingest(raw, Source("import", "a.eml"))
    other = archive.ingest(raw, Source("imap", "INBOX;UIDVALIDITY=1;UID=5"))
    assert first.new and not again.new and not other.new
    assert not again.new_source and other.new_source
    assert first.id == again.id == other.id
    with archive.sessions() as s:
        assert s.scalar(select(func.count(Message.id))) == 1
        assert s.scalar(select(func.count(MessageSource.id))) == 2


def test_shared_attachment_is_one_blob(archive: Archive) -> None:
    a = archive.ingest(_vn_message("one"))
    b = archive.ingest(_vn_message("two"))
    assert a.id != b.id
    with archive.sessions() as s:
        shas = s.scalars(select(Part.sha256).where(Part.filename == "Kế hoạch số 12.pdf")).all()
        assert len(shas) == 2 and shas[0] == shas[1]
        assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == shas[0])) == 1


def test_garbage_is_archived_raw_with_a_parse_error(archive: Archive) -> None:
    garbage = b"\x00\xff\xfe not a message at all \x00" * 10
    result = archive.ingest(garbage)
    assert result.new and result.parse_error
    assert archive.blobs.get(result.sha256) == garbage
    with archive.sessions() as s:
        errors = s.scalars(select(IngestError).where(IngestError.message_id == result.id)).all()
        assert [e.stage for e in errors] == ["parse"]


def test_batch_with_duplicates_inside(archive: Archive) -> None:
    raw = _vn_message()
    results = list(archive.ingest_many([(raw, Source()), (raw, Source("import", "x"))]))
    assert [r.new for r in results] == [True, False]
    assert results[0].id == results[1].id


def test_vietnamese_text_that_libmagic_takes_for_audio_is_text(archive: Archive) -> None:
    """libmagic's MPEG-4 LOAS signature is "V" and a byte from 0xE0: "Về việc" in UTF-8."""
    msg = EmailMessage()
    msg["From"] = "vanthu@ninhthuan.gov.vn"
    msg["Subject"] = "Trích yếu"
    msg.set_content("Gửi kèm trích yếu.")
    texts = {
        "trich-yeu.txt": "Về việc triển khai văn bản điện tử.\n",
        "vu.txt": "Vụ Pháp chế đề nghị các đơn vị góp ý.\n",
        "bang.csv": "Về việc,Số,Ngày\n1,12/UBND-VP,2024-03-11\n2,13,2024\n",
    }
    for name, text in texts.items():
        msg.add_attachment(
            text.encode(), maintype="application", subtype="octet-stream", filename=name
        )
    loas = b"\x56\xe0\x10\x22\x00\x01\x02\x03" * 40  # a real LOAS header stays audio
    msg.add_attachment(loas, maintype="application", subtype="octet-stream", filename="a.latm")
    result = archive.ingest(bytes(msg))
    with archive.sessions() as s:
        found = dict(
            s.execute(
                select(Part.filename, Part.detected_type).where(
                    Part.message_id == result.id, Part.is_attachment
                )
            ).all()
        )
    assert found == {
        "trich-yeu.txt": "text/plain",
        "vu.txt": "text/plain",
        "bang.csv": "text/csv",
        "a.latm": "audio/x-mp4a-latm",
    }


def test_charset_name_with_a_nul_does_not_lose_the_message(archive: Archive) -> None:
    raw = (
        b"From: a@b.vn\r\nSubject: nul\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="utf-8\x00"\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi\r\n'
    )
    result = archive.ingest(raw)
    assert result.new and archive.blobs.get(result.sha256) == raw
    with archive.sessions() as s:
        msg = s.get(Message, result.id)
        assert msg.subject == "nul"
        assert archive.blobs.get(msg.body_text_sha256).decode() == "Kính gửi\r\n"


def test_structure_too_deep_to_parse_keeps_headers_and_error(archive: Archive) -> None:
    levels = 1000
    raw = b'From: "A" <a@b.vn>\r\nSubject: deep\r\n'
    raw += b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for i in range(1, levels):
        raw += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
    raw += b"--b%d\r\nContent-Type: text/plain\r\n\r\nhi\r\n" % (levels - 1)
    raw += b"".join(b"--b%d--\r\n" % i for i in reversed(range(levels)))
    result = archive.ingest(raw)
    assert result.new and "recursion" in result.parse_error
    assert archive.blobs.get(result.sha256) == raw
    with archive.sessions() as s:
        msg = s.get(Message, result.id)
        assert (msg.subject, msg.from_address, msg.from_name) == ("deep", "a@b.vn", "A")
        errors = s.scalars(select(IngestError.stage).where(IngestError.message_id == msg.id))
        assert errors.all() == ["parse"]


def test_raw_8bit_headers_are_read_in_the_declared_charset(archive: Archive) -> None:
    """Old clients sent Vietnamese headers unencoded, in the body's charset (cp1258 here:
    base letters plus combining tone bytes, which must end up NFC)."""
    subject = b"C\xf4ng v\xe3n s\xf4\xec 12 v\xea\xcc vi\xea\xf2c"
    name = b"V\xe3n th\xfd"
    raw = (
        b"From: " + name + b" <vanthu@ubnd.gov.vn>\r\nSubject: " + subject + b"\r\n"
        b"To: =?windows-1258?Q?Nguy=EA=DEn_V=E3n_A?= <a@b.vn>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1258\r\n\r\n"
        + subject
        + b"\r\n"
    )
    result = archive.ingest(raw)
    with archive.sessions() as s:
        msg = s.get(Message, result.id)
        assert msg.subject == "Công văn số 12 về việc"
        assert msg.from_name == "Văn thư"
        to = s.scalar(
            select(Address.name).where(Address.message_id == msg.id, Address.role == "to")
        )
        assert to == "Nguyễn Văn A"


def test_address_header_the_parsers_recurse_on_keeps_what_it_can(archive: Archive) -> None:
    raw = b'From: a@b.vn\r\nTo: "X" <x@b.vn>, ' + b"(" * 5000 + b"y@b.vn\r\n\r\nbody\r\n"
    result = archive.ingest(raw)
    assert result.new
    with archive.sessions() as s:
        to = s.scalars(
            select(Address.address).where(Address.message_id == result.id, Address.role == "to")
        ).all()
        assert "x@b.vn" in to


def test_very_long_headers_are_read_without_the_quadratic_parser() -> None:
    from archive.parse import parse_message

    words = b" ".join(b"=?utf-8?B?xJE=?=" for _ in range(20_000))  # 340 KB of "đ"
    to = b",".join(b"=?utf-8?B?xJE=?= <u%d@d.vn>" % i for i in range(20_000))
    parsed = parse_message(b"From: a@b.vn\r\nSubject: " + words + b"\r\nTo: " + to + b"\r\n\r\nx")
    assert parsed.subject.startswith("đđđ") and len(parsed.subject) <= 10_000
    assert len(str(parsed.message["Subject"])) <= 64 * 1024  # only a bounded prefix parsed
    assert not hasattr(parsed.message["To"], "addresses")  # left to getaddresses (linear)
    to_addresses = [a for a in parsed.addresses if a.role == "to"]
    assert len(to_addresses) == 20_000
    assert (to_addresses[-1].address, to_addresses[-1].name) == ("u19999@d.vn", "đ")


def test_nul_characters_in_headers_are_not_recorded(archive: Archive) -> None:
    """PostgreSQL refuses NUL in text: one stray NUL must not fail the whole batch."""
    raw = (
        b'From: a\x00b@c.vn\r\nTo: "N\x00" <x\x00@y.vn>\r\nSubject: s\x00\r\nMIME-Version: 1.0\r\n'
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: text/pl\x00ain; charset="utf-8\x00"\r\nContent-Disposition: inl\x00ine\r\n'
        b"\r\nx\r\n--b--\r\n"
    )
    result = archive.ingest(raw)
    with archive.sessions() as s:
        msg = s.get(Message, result.id)
        assert msg.from_address == "ab@c.vn"
        assert s.scalars(select(Address.address).where(Address.message_id == msg.id)).all() == [
            "ab@c.vn",
            "x@y.vn",
        ]
        part = s.scalar(select(Part).where(Part.message_id == msg.id, Part.ordinal == 1))
        assert (part.declared_type, part.charset, part.disposition) == (
            "text/plain",
            "utf-8",
            "inline",
        )
