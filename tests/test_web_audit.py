"""Findings of the web security audit: each test fails without its fix (the quarantine
one guards, end to end, the exact-id lookup of gateway/spool.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from archive.ingest import Source
from config import Settings
from gateway.context import open_spool
from gateway.spool import SpoolEntry, SpoolMeta
from gateway.wiring import open_archive
from tests.test_web_auth import _csrf, sign_in
from tests.test_web_pages import as_user
from tests.web_data import AN, PASSWORD, populate
from web.accounts import set_disabled, set_password
from web.app import create_app
from web.routes import search_pages


def _mail(subject: str, filename: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "vanthu@ninhthuan.gov.vn"
    msg["To"] = AN
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2024, 3, 20, 8, 0, tzinfo=UTC))
    msg["Message-ID"] = f"<audit-{abs(hash(subject))}@test.gov.vn>"
    msg.set_content("Nội dung công văn.")
    if filename:
        msg.add_attachment(b"noi dung", maintype="text", subtype="plain", filename=filename)
    return bytes(msg)


@pytest.fixture
def site(settings: Settings):
    archive = open_archive(settings)
    ids = populate(archive)
    ids["formula"] = archive.ingest(
        _mail('=HYPERLINK("https://evil.example","Bấm") công văn'), Source("import", "f")
    ).id
    ids["decision"] = archive.ingest(
        _mail("Quyết định giao chỉ tiêu", "Quyết định 123/QĐ-UBND.txt"), Source("import", "d")
    ).id
    app = create_app(settings, archive)
    with TestClient(app, base_url="https://localhost") as client:
        yield client, archive, ids, app
    archive.close()


@pytest.mark.parametrize("page", ["1001", "0", "-3", "abc", str(2**70)])
def test_huge_or_bad_page_numbers_are_refused_with_400(site, page: str) -> None:
    # page=999999999 made tantivy try to allocate 320 GB and abort the whole server.
    client, _archive, _ids, _app = site
    as_user(client, "kiemtoan")
    assert client.get("/search", params={"q": "công văn", "page": "1"}).status_code == 200
    response = client.get("/search", params={"q": "công văn", "page": page})
    assert response.status_code == 400
    assert "không hợp lệ" in response.text


def test_an_unexpected_error_is_a_vietnamese_page_without_traceback(site, monkeypatch) -> None:
    _client, _archive, _ids, app = site

    def boom(params):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(search_pages, "query_of", boom)
    with TestClient(app, base_url="https://localhost", raise_server_exceptions=False) as client:
        assert sign_in(client, "kiemtoan", PASSWORD).status_code == 303
        response = client.get("/search", params={"q": "x"})
    assert response.status_code == 500
    assert "Đã có lỗi trong hệ thống" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in response.headers["content-security-policy"]


def _hold(settings: Settings, subject: str) -> str:
    entry_id = f"20240320080000-{abs(hash(subject)) % 16**12:012x}"
    raw = f"From: a@gmail.com\r\nTo: {AN}\r\nSubject: {subject}\r\n\r\nx\r\n".encode()
    meta = SpoolMeta(id=entry_id, mail_from="a@gmail.com", rcpt_to=[AN], subject=subject)
    open_spool(settings).write_batch([(SpoolEntry(meta, raw), ("quarantine",))])
    return entry_id


def test_quarantine_acts_only_on_the_exact_entry_id(site, settings: Settings) -> None:
    client, _archive, _ids, _app = site
    first, second = _hold(settings, "thư một"), _hold(settings, "thư hai")
    as_user(client, "quantri")
    csrf = _csrf(client.get("/quarantine").text)
    # "2024" is in every entry's name: the spool's lookup would pick one of them.
    assert client.get("/quarantine/2024").status_code == 404
    response = client.post("/quarantine/2024/delete", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 404
    listing = client.get("/quarantine").text
    assert first in listing and second in listing
    response = client.post(f"/quarantine/{first}/delete", data={"csrf": csrf})
    assert response.status_code == 200
    listing = client.get("/quarantine").text
    assert first not in listing and second in listing


def test_a_damaged_held_file_is_a_clear_page_and_stays_held(site, settings: Settings) -> None:
    client, _archive, _ids, _app = site
    from gateway.context import open_spool

    bad_id = "20261124153000-ffffffffffff"
    bad = open_spool(settings).dir("quarantine") / f"{bad_id}.msg"
    bad.write_bytes(b'GMSPOOL1 {"id":"' + bad_id.encode() + b'","bogus":1}\nSubject: x\n\nx\n')
    as_user(client, "quantri")
    csrf = _csrf(client.get("/quarantine").text)
    shown = client.get(f"/quarantine/{bad_id}")
    assert shown.status_code == 409 and "đã hỏng" in shown.text
    released = client.post(f"/quarantine/{bad_id}/release", data={"csrf": csrf})
    assert released.status_code == 409 and "đã hỏng" in released.text
    assert bad.exists()  # still held, under its own name


def test_a_new_password_or_disabling_ends_open_sessions(site) -> None:
    client, archive, _ids, _app = site
    as_user(client, "an")
    assert client.get("/search", follow_redirects=False).status_code == 200
    with archive.sessions() as session, session.begin():
        set_password(session, "an", "mật-khẩu-mới-đủ-dài-2025")
    assert client.get("/search", follow_redirects=False).status_code == 303

    client.cookies.clear()
    assert sign_in(client, "an", "mật-khẩu-mới-đủ-dài-2025").status_code == 303
    with archive.sessions() as session, session.begin():
        set_disabled(session, "an", True)
    with archive.sessions() as session, session.begin():
        set_disabled(session, "an", False)
    # enabled again, but the session from before the lock stays ended
    assert client.get("/search", follow_redirects=False).status_code == 303


def test_csv_exports_carry_no_spreadsheet_formulas(site) -> None:
    client, _archive, ids, _app = site
    as_user(client, "kiemtoan")
    body = client.get("/search.csv", params={"q": "HYPERLINK"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    row = next(r for r in rows[1:] if r[0] == str(ids["formula"]))
    assert row[4].startswith("'=HYPERLINK(")
    client.get("/search", params={"q": "=cmd|' /C calc'!A0"})
    audit = client.get("/audit", params={"format": "csv"}).content.decode("utf-8-sig")
    targets = [r[4] for r in csv.reader(io.StringIO(audit))]
    assert "'=cmd|' /C calc'!A0" in targets
    assert not any(t.startswith("=") for t in targets)


def test_show_images_lets_the_browser_load_them(site) -> None:
    client, _archive, ids, _app = site
    as_user(client, "an")
    blocked = client.get(f"/messages/{ids['html']}")
    assert "https:" not in blocked.headers["content-security-policy"]
    shown = client.get(f"/messages/{ids['html']}", params={"images": "1"})
    assert 'src="https://tracker.example/pixel.gif"' in shown.text
    csp = shown.headers["content-security-policy"]
    assert "img-src 'self' data: https:" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp


def test_download_name_keeps_the_document_number(site) -> None:
    client, _archive, ids, _app = site
    as_user(client, "an")
    page = client.get(f"/messages/{ids['decision']}").text
    ordinal = page.split(f"/messages/{ids['decision']}/parts/")[1].split('"')[0]
    response = client.get(f"/messages/{ids['decision']}/parts/{ordinal}")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Quyet dinh 123_QD-UBND.txt";')
    assert f"filename*=UTF-8''{quote('Quyết định 123_QĐ-UBND.txt', safe='')}" in disposition
    assert response.headers["content-type"] == "application/octet-stream"


def test_plain_http_beyond_localhost_is_warned_about(settings: Settings) -> None:
    from cli.commands.web import plain_http_warning

    web = settings.web
    assert plain_http_warning("127.0.0.1", web) is None
    assert "nobody can sign in" in (plain_http_warning("0.0.0.0", web) or "")
    web.behind_proxy = True
    assert plain_http_warning("0.0.0.0", web) is None
