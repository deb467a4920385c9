"""The web pages over the archive: search, message, downloads, access control."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from archive.models import AuditEntry
from config import Settings
from gateway.wiring import open_archive
from tests.test_web_auth import sign_in
from tests.web_data import AN, PASSWORD, populate
from web.app import create_app


@pytest.fixture
def site(settings: Settings):
    archive = open_archive(settings)  # with the search index hook
    ids = populate(archive)
    app = create_app(settings, archive)
    with TestClient(app, base_url="https://localhost") as client:
        yield client, archive, ids
    archive.close()


def as_user(client: TestClient, name: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, name, PASSWORD).status_code == 303
    return client


def test_search_with_and_without_diacritics_in_scope(site) -> None:
    client, _archive, ids = site
    as_user(client, "kiemtoan")
    for query in ("chuyển đổi số", "chuyen doi so"):
        page = client.get("/search", params={"q": query})
        assert page.status_code == 200
        assert "1 kết quả" in page.text
        assert f'href="/messages/{ids["an"]}"' in page.text
        assert "<mark>" in page.text
    as_user(client, "an")  # a user sees only their mailbox's mail
    assert "0 kết quả" in client.get("/search", params={"q": "tài chính"}).text
    as_user(client, "vanthu")  # a clerk sees their agency's domain
    page = client.get("/search", params={"q": "tài chính"})
    assert "1 kết quả" in page.text


def test_filters_and_csv(site) -> None:
    client, _archive, ids = site
    as_user(client, "kiemtoan")
    page = client.get(
        "/search", params={"q": "", "from_date": "2024-03-05", "to_date": "2024-03-05"}
    )
    assert "1 kết quả" in page.text and f'/messages/{ids["binh"]}"' in page.text
    body = client.get("/search.csv", params={"q": "kế hoạch"}).content.decode("utf-8-sig")
    rows = body.strip().splitlines()
    assert rows[0].startswith("id,message_id,date,from,subject")
    assert len(rows) == 2 and rows[1].startswith(f"{ids['an']},")


def test_bad_query_shows_the_position(site) -> None:
    client, _archive, _ids = site
    as_user(client, "kiemtoan")
    page = client.get("/search", params={"q": '"chữ ký'})
    assert page.status_code == 200 and "unclosed quote" in page.text


def test_message_page_and_downloads(site, settings: Settings) -> None:
    client, archive, ids = site
    as_user(client, "an")
    page = client.get(f"/messages/{ids['an']}")
    assert page.status_code == 200
    assert "Kế hoạch chuyển đổi số.pdf" in page.text and "application/pdf" in page.text
    eml = client.get(f"/messages/{ids['an']}/eml")
    with archive.sessions() as session:
        from archive.models import Message

        sha = session.get(Message, ids["an"]).sha256
    assert eml.content == archive.blobs.get(sha)
    part = re.search(rf"/messages/{ids['an']}/parts/(\d+)/preview", page.text).group(1)
    preview = client.get(f"/messages/{ids['an']}/parts/{part}/preview")
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF-1.4")
    assert preview.headers["content-disposition"].startswith("inline;")
    download = client.get(f"/messages/{ids['an']}/parts/{part}")
    assert download.headers["content-type"] == "application/octet-stream"
    assert "filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch" in download.headers["content-disposition"]


def test_a_user_cannot_open_another_mailbox_by_url(site) -> None:
    client, archive, ids = site
    as_user(client, "an")
    for url in (
        f"/messages/{ids['binh']}",
        f"/messages/{ids['binh']}/eml",
        f"/messages/{ids['binh']}/parts/1",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Không có quyền" in response.text
    assert client.get("/messages/999999").status_code == 404
    with archive.sessions() as session:
        denied = session.scalars(
            select(AuditEntry.target).where(
                AuditEntry.username == "an", AuditEntry.outcome == "denied"
            )
        ).all()
    assert f"message:{ids['binh']}" in denied


def test_html_mail_is_inert(site) -> None:
    client, _archive, ids = site
    as_user(client, "an")
    page = client.get(f"/messages/{ids['html']}").text
    body = page.split('<section class="mailbody">')[1].split("</section>")[0]
    assert "<b>lịch họp</b>" in body
    assert "<script" not in body and "onerror" not in body and "tracker.example" not in body
    assert "Ảnh từ máy chủ ngoài đã bị chặn" in page
    shown = client.get(f"/messages/{ids['html']}?images=1").text
    assert 'src="https://tracker.example/pixel.gif"' in shown
    assert AN in page


def test_audit_records_views_searches_and_downloads(site) -> None:
    client, archive, ids = site
    as_user(client, "an")
    client.get("/search", params={"q": "kế hoạch"})
    client.get(f"/messages/{ids['an']}")
    client.get(f"/messages/{ids['an']}/eml")
    with archive.sessions() as session:
        actions = {
            (e.action, e.target)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.username == "an"))
        }
    assert ("search", "kế hoạch") in actions
    assert ("view", f"message:{ids['an']}") in actions
    assert ("download", f"message:{ids['an']}.eml") in actions


def test_role_pages(site) -> None:
    client, _archive, _ids = site
    as_user(client, "an")
    assert client.get("/reports").status_code == 403
    assert client.get("/quarantine").status_code == 403
    as_user(client, "kiemtoan")
    assert client.get("/reports").status_code == 200
    assert client.get("/quarantine").status_code == 403
    as_user(client, "quantri")
    assert client.get("/quarantine").status_code == 200
