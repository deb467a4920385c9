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
