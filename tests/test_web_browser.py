"""The web interface in a real browser: Debian's Chromium, headless, driven by Playwright.

Screenshots of the search, message and report pages land in test-artifacts/ for review.
"""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from config import Settings
from gateway.wiring import open_archive
from tests.browser import browser_page, need_chromium, screenshot, serve
from tests.gateway.conftest import gateway_settings, peer, resolver, start_gateway
from tests.gateway.peers import wait_for
from tests.web_data import PASSWORD, populate
from web.app import create_app

pytestmark = pytest.mark.integration
__all__ = ["peer", "resolver", "start_gateway"]  # fixtures shared with tests/gateway


@pytest.fixture
def site(tmp_path: Path, peer, start_gateway):
    need_chromium()
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    gateway = start_gateway(settings, dkim_lookup=lambda name: None)
    archive = open_archive(settings)
    ids = populate(archive)
    with serve(create_app(settings, archive)) as url:
        yield url, archive, ids, gateway, settings
    archive.close()


def sign_in(page, url: str, user: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(url + "/search")


def test_search_open_message_pdf_and_eml(site) -> None:
    url, archive, ids, _gateway, _settings = site
    with browser_page() as page:
        sign_in(page, url, "an")
        for query in ("chuyển đổi số", "chuyen doi so"):
            page.fill("input[name=q]", query)
            page.click("form.search button[type=submit]")
            assert "1 kết quả" in page.text_content("div.pager")
            assert page.locator("article.hit mark").count() >= 3
        screenshot(page, "search")
        page.click("article.hit h2 a")
        page.wait_for_url(f"{url}/messages/{ids['an']}")
        assert "Kế hoạch chuyển đổi số.pdf" in page.text_content("table.attachments")
        screenshot(page, "message")
        with page.expect_download() as download:
            page.click("text=Tải thư gốc (.eml)")
        saved = Path(download.value.path()).read_bytes()
        with archive.sessions() as session:
            from archive.models import Message

            assert saved == archive.blobs.get(session.get(Message, ids["an"]).sha256)
        preview = page.get_attribute("text=Xem trước", "href")
        response = page.request.get(url + preview)
        assert response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF-1.4")


def test_a_user_is_refused_another_mailbox_and_it_is_audited(site) -> None:
    url, _archive, ids, _gateway, _settings = site
    with browser_page() as page:
        sign_in(page, url, "an")
        response = page.goto(f"{url}/messages/{ids['binh']}")
        assert response.status == 403
        assert "Không có quyền truy cập" in page.text_content("h1")
        page.context.clear_cookies()
        sign_in(page, url, "kiemtoan")
        page.goto(f"{url}/audit?outcome=denied")
        rows = page.locator("table.list tbody tr")
        assert rows.count() == 1
        assert f"message:{ids['binh']}" in rows.first.text_content()
        assert "an" in rows.first.text_content()


def test_hostile_html_mail_renders_inert(site) -> None:
    url, _archive, ids, _gateway, _settings = site
    requested: list[str] = []
    with browser_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(page, url, "an")
        page.goto(f"{url}/messages/{ids['html']}")
        assert "lịch họp" in page.text_content("section.mailbody")
        assert page.title() != "pwned" and not dialogs
        assert not [r for r in requested if "tracker.example" in r]
        assert page.locator("section.mailbody script").count() == 0
        link = page.locator("section.mailbody a.external")
        assert link.get_attribute("rel") == "noopener noreferrer nofollow"
        assert "Ảnh từ máy chủ ngoài đã bị chặn" in page.text_content("section.mailbody")


def test_release_a_quarantined_message_to_the_next_hop(site, peer) -> None:
    url, _archive, _ids, gateway, _settings = site
    forged = (
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=hanoi.gov.vn; s=x;\r\n"
        b" h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
        b"From: UBND <ubnd@hanoi.gov.vn>\r\nTo: vanthu@ninhthuan.gov.vn\r\n"
        b"Subject: =?utf-8?b?S2jhuqlu?=\r\nMessage-ID: <held@test>\r\n\r\nNoi dung.\r\n"
    )
    with smtplib.SMTP("127.0.0.1", gateway.port) as client:
        client.sendmail("x@attacker.example", ["vanthu@ninhthuan.gov.vn"], forged)
    wait_for(lambda: peer.messages, what="the admin notice")
    before = len(peer.messages)
    with browser_page() as page:
        sign_in(page, url, "quantri")
        page.goto(url + "/quarantine")
        row = page.locator("table.list tbody tr")
        assert row.count() == 1 and "official-sender-dkim-fail" in row.text_content()
        row.locator("form[action$='/release'] button").click()
        page.wait_for_url(url + "/quarantine")
        assert page.locator("table.list tbody tr").count() == 0
    wait_for(lambda: len(peer.messages) > before, what="the released message at the next hop")
    assert peer.messages[-1].rcpt_to == ["vanthu@ninhthuan.gov.vn"]
    assert b"Message-ID: <held@test>" in peer.messages[-1].data


def test_reports_page_shows_the_known_figures(settings: Settings, tmp_path: Path) -> None:
    need_chromium()
    from reports.directory import import_file
    from reports.exchange_log import rebuild
    from reports.periods import parse_period
    from reports.totals import import_totals
    from reports.working_days import Calendar
    from tests import reports_history as H
    from tests.reports_data import write_directory
    from web.accounts import NewUser, add_user

    archive = open_archive(settings)
    with archive.sessions() as session, session.begin():
        import_file(session, write_directory(tmp_path / "agencies.csv"))
        totals = tmp_path / "totals.csv"
        totals.write_text(H.REGISTERS.csv())
        import_totals(session, totals)
        add_user(session, NewUser("kiemtoan", "auditor", PASSWORD))
    letters = H.generate()
    H.ingest(archive, letters)
    rebuild(archive.sessions, Calendar.from_settings(settings.reports))
    truth = H.expected(letters, parse_period("2024Q1").months, "agency")
    with serve(create_app(settings, archive)) as url, browser_page() as page:
        sign_in(page, url, "kiemtoan")
        page.goto(f"{url}/reports?period=2024Q1&by=agency")
        table = page.locator("table[data-table=exchange]")
        assert table.count() == 1
        shown = {}
        for row in table.locator("tbody tr").all():
            cells = {
                c.get_attribute("data-key"): c.text_content().strip()
                for c in row.locator("td").all()
            }
            shown[cells.get("group", "")] = cells
        checked = 0
        for group, figures in truth.items():
            if group in shown:
                assert shown[group]["sent"] == f"{figures['sent']:,}".replace(",", ".")
                assert shown[group]["received"] == f"{figures['received']:,}".replace(",", ".")
                checked += 1
        assert checked >= 3
        assert page.locator("figure.chart img").count() == 1
        screenshot(page, "reports")
    archive.close()
