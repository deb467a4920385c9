"""Web sign-in, sessions, CSRF, lockout, security headers, audit log, account commands."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from archive.ingest import Archive
from archive.models import AuditEntry
from cli.main import cli
from config import Settings
from tests.conftest import cli_env
from web.accounts import NewUser, add_user
from web.app import create_app

PASSWORD = "mật-khẩu-đủ-dài-2024"


@pytest.fixture
def web(settings: Settings, archive: Archive):
    with archive.sessions() as session, session.begin():
        add_user(
            session,
            NewUser("an.nv", "user", PASSWORD, "Nguyễn Văn An", mailbox="an.nv@ninhthuan.gov.vn"),
        )
        add_user(session, NewUser("kiemtoan", "auditor", PASSWORD))
    app = create_app(settings, archive)
    with TestClient(app, base_url="https://localhost") as client:
        yield client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    form = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf": _csrf(form.text),
            "next": "/audit",
        },
        follow_redirects=False,
    )


def _audit(archive: Archive) -> list[tuple]:
    with archive.sessions() as s:
        return [
            (e.username, e.action, e.outcome)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_sign_in_sets_a_strict_session_cookie(web: TestClient, archive: Archive) -> None:
    response = sign_in(web, "kiemtoan")
    assert response.status_code == 303 and response.headers["location"] == "/audit"
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("govmail_session=")
    )
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    page = web.get("/audit")
    assert page.status_code == 200 and "kiemtoan" in page.text
    assert ("kiemtoan", "sign-in", "ok") in _audit(archive)


def test_pages_need_sign_in(web: TestClient) -> None:
    response = web.get("/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faudit"


def test_wrong_password_then_lockout(web: TestClient, archive: Archive) -> None:
    for _ in range(5):
        assert sign_in(web, "an.nv", "wrong password!").status_code == 401
    locked = sign_in(web, "an.nv")  # the right password no longer helps
    assert locked.status_code == 429
    assert "tạm khóa" in locked.text
    entries = _audit(archive)
    assert entries.count(("an.nv", "sign-in", "failed")) == 6


def test_login_without_csrf_token_is_refused(web: TestClient) -> None:
    web.get("/login")
    response = web.post(
        "/login", data={"username": "kiemtoan", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 400


def test_sign_out_needs_csrf_and_ends_the_session(web: TestClient) -> None:
    sign_in(web, "kiemtoan")
    assert web.post("/logout", data={}, follow_redirects=False).status_code == 400
    page = web.get("/audit")
    response = web.post("/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert web.get("/audit", follow_redirects=False).status_code == 303


def test_no_open_redirect_after_sign_in(web: TestClient) -> None:
    form = web.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text


def test_security_headers(web: TestClient) -> None:
    response = web.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<script>" not in response.text and " on" not in re.sub(r"\s+", " ", "")


def test_vietnamese_by_default_english_switchable(web: TestClient) -> None:
    assert "Đăng nhập" in web.get("/login").text
    web.get("/lang?to=en&next=/login")
    assert "Sign in" in web.get("/login").text


def test_audit_log_is_for_auditors_and_denials_are_recorded(
    web: TestClient, archive: Archive
) -> None:
    sign_in(web, "an.nv")
    response = web.get("/audit")
    assert response.status_code == 403 and "Không có quyền" in response.text
    assert ("an.nv", "view", "denied") in _audit(archive)
    web.cookies.clear()
    sign_in(web, "kiemtoan")
    csv_text = web.get("/audit?format=csv&outcome=denied").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,at,user,action")
    assert ",an.nv,view,audit-log," in csv_text


def test_audit_log_is_append_only(archive: Archive) -> None:
    from web import audit

    audit.record(archive.sessions, "search", username="x", target="q")
    for statement in ("UPDATE audit_log SET username = 'y'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), archive.engine.begin() as conn:
            conn.execute(text(statement))
    assert [e[0] for e in _audit(archive)] == ["x"]


def test_users_commands(settings: Settings, archive: Archive) -> None:
    env = cli_env(settings, GOVMAIL_NEW_PASSWORD=PASSWORD)
    runner = CliRunner(env=env)
    ok = runner.invoke(
        cli, ["users", "add", "vanthu", "--role", "clerk", "--agency", "ninhthuan.gov.vn"]
    )
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(cli, ["users", "add", "x", "--role", "user"])
    assert missing.exit_code == 2 and "--mailbox" in missing.output
    short = runner.invoke(cli, ["users", "add", "y", "--role", "auditor", "--password", "short"])
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    listed = json.loads(runner.invoke(cli, ["users", "list", "--json"]).stdout)
    assert [(u["username"], u["role"], u["agency"]) for u in listed] == [
        ("vanthu", "clerk", "ninhthuan.gov.vn")
    ]
    assert runner.invoke(cli, ["users", "disable", "vanthu"]).exit_code == 0
    app = create_app(settings, archive)
    with TestClient(app, base_url="https://localhost") as client:
        assert sign_in(client, "vanthu").status_code == 401
    audit_json = json.loads(runner.invoke(cli, ["audit", "--json"]).stdout)
    assert {"user-add", "user-disable", "sign-in"} <= {e["action"] for e in audit_json}


def test_ldap_sign_in_against_a_real_directory(
    settings: Settings, archive: Archive, tmp_path
) -> None:
    from tests.ldap_peer import SUFFIX, slapd

    with slapd(tmp_path / "ldap", "mật khẩu thư mục 2024") as url:
        ldap_settings = settings.model_copy(deep=True)
        ldap_settings.web.ldap.url = url
        ldap_settings.web.ldap.user_dn = f"uid={{username}},ou=people,{SUFFIX}"
        app = create_app(ldap_settings, archive)
        with TestClient(app, base_url="https://localhost") as client:
            assert sign_in(client, "tran.b", "wrong").status_code == 401
            assert sign_in(client, "tran.b", "mật khẩu thư mục 2024").status_code == 303
            assert sign_in(client, "tran.b)(uid=*", "x").status_code == 401  # escaped
    with archive.sessions() as session:
        from web.accounts import get_user

        user = get_user(session, "tran.b")
        assert (user.source, user.role, user.mailbox, user.password_hash) == (
            "ldap",
            "user",
            "tran.b@ninhthuan.gov.vn",
            None,
        )
