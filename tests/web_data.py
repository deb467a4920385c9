"""A small archive for the web tests: two mailboxes, a PDF, an HTML mail with hostile
markup, accounts for every role."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from archive.ingest import Archive, Source
from web.accounts import NewUser, add_user

PASSWORD = "mật-khẩu-đủ-dài-2024"
AN = "an.nv@ninhthuan.gov.vn"
BINH = "binh.tt@khanhhoa.gov.vn"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0"
    b"/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HOSTILE_HTML = """<html><body><p>Thông báo <b>lịch họp</b> quý II.</p>
<script>document.title = "pwned"</script>
<img src="x" onerror="document.title='pwned'">
<img src="https://tracker.example/pixel.gif" alt="pixel">
<a href="https://ninhthuan.gov.vn/lich">Xem lịch</a></body></html>"""


def _mail(
    subject: str, frm: str, to: str, body: str, day: int, html: str | None = None, pdf: bool = False
) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2024, 3, day, 8, 30, tzinfo=UTC))
    msg["Message-ID"] = f"<web-{day}@test.gov.vn>"
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    if pdf:
        msg.add_attachment(
            PDF, maintype="application", subtype="pdf", filename="Kế hoạch chuyển đổi số.pdf"
        )
    return bytes(msg)


def populate(archive: Archive) -> dict[str, int]:
    ids = {
        "an": archive.ingest(
            _mail(
                "Kế hoạch chuyển đổi số năm 2024",
                "vanthu@ninhthuan.gov.vn",
                AN,
                "Gửi anh An kế hoạch chuyển đổi số.",
                4,
                pdf=True,
            ),
            Source("import", "an"),
        ).id,
        "binh": archive.ingest(
            _mail(
                "Báo cáo tài chính",
                "ketoan@khanhhoa.gov.vn",
                BINH,
                "Báo cáo tài chính quý I gửi chị Bình.",
                5,
            ),
            Source("import", "binh"),
        ).id,
        "html": archive.ingest(
            _mail(
                "Thông báo lịch họp",
                "vanthu@ninhthuan.gov.vn",
                AN,
                "Thông báo lịch họp quý II.",
                6,
                html=HOSTILE_HTML,
            ),
            Source("import", "html"),
        ).id,
    }
    with archive.sessions() as session, session.begin():
        add_user(session, NewUser("an", "user", PASSWORD, "Nguyễn Văn An", mailbox=AN))
        add_user(session, NewUser("kiemtoan", "auditor", PASSWORD, "Kiểm toán"))
        add_user(session, NewUser("quantri", "admin", PASSWORD, "Quản trị"))
        add_user(session, NewUser("vanthu", "clerk", PASSWORD, agency="khanhhoa.gov.vn"))
    return ids
