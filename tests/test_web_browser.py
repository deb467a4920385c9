"""The web interface in a real browser (Debian Chromium, headless, driven by Playwright)."""

from __future__ import annotations

import pytest

from archive.ingest import Archive
from config import Settings
from tests.browser import browser_page, need_chromium, screenshot, serve
from web.accounts import NewUser, add_user
from web.app import create_app

pytestmark = pytest.mark.integration
PASSWORD = "mật-khẩu-đủ-dài-2024"


@pytest.fixture
def site(plain_settings: Settings):
    need_chromium()
    archive = Archive.open(plain_settings)
    with archive.sessions() as session, session.begin():
        add_user(session, NewUser("kiemtoan", "auditor", PASSWORD, "Kiểm toán viên"))
    with serve(create_app(plain_settings, archive)) as url:
        yield url, archive
    archive.close()


def test_sign_in_in_a_browser(site) -> None:
    url, _archive = site
    with browser_page() as page:
        page.goto(url + "/audit")
        assert page.url.startswith(url + "/login")
        page.fill("input[name=username]", "kiemtoan")
        page.fill("input[name=password]", "sai mật khẩu rồi")
        page.click("button[type=submit]")
        assert "không đúng" in page.text_content("p.error")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/audit")
        assert "Kiểm toán viên" in page.text_content("header")
        rows = page.locator("table.list tbody tr")
        assert rows.count() == 2  # the failed and the successful sign-in
        screenshot(page, "audit")
