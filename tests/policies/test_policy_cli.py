"""govmail policy check | test."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli


def _letter(tmp_path: Path, subject: str = "Báo cáo", pdf: bool = True) -> Path:
    msg = EmailMessage()
    msg["From"] = "Văn thư <vanthu@ninhthuan.gov.vn>"
    msg["To"] = "ban@gmail.com"
    msg["Subject"] = subject
    msg.set_content("Kính gửi anh chị.")
    if pdf:
        msg.add_attachment(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
            maintype="application",
            subtype="octet-stream",
            filename="Báo cáo.bin",
        )
    path = tmp_path / "letter.eml"
    path.write_bytes(msg.as_bytes())
    return path


def _env(tmp_path: Path) -> dict:
    return {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(tmp_path / "var")),
        "GOVMAIL_POLICY__MX_LOOKUP": "false",
    }


def test_policy_test_json(tmp_path: Path) -> None:
    path = _letter(tmp_path)
    runner = CliRunner(env=_env(tmp_path))
    args = ["policy", "test", str(path), "--from", "vanthu@ninhthuan.gov.vn"]
    result = runner.invoke(cli, [*args, "--to", "ban@gmail.com", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"action", "rule", "reason", "facts"}
    assert (data["action"], data["rule"]) == ("reject", "official-documents-abroad")
    assert "application/pdf" in data["facts"]["documents_reason"]  # detected by content
    assert "văn bản chính thức" in data["reason"]["vi"]
    human = runner.invoke(cli, [*args, "--to", "ban@hanoi.gov.vn"])
    assert human.exit_code == 0
    assert "verdict: accept" in human.stdout and "rule: default" in human.stdout


def test_policy_check_lists_the_table_and_reports_errors(tmp_path: Path) -> None:
    runner = CliRunner(env=_env(tmp_path))
    ok = runner.invoke(cli, ["policy", "check"])
    assert ok.exit_code == 0, ok.output
    for name in ("official-documents-abroad", "auto-forward-abroad", "free-foreign-inbound"):
        assert name in ok.stdout
    bad = tmp_path / "govmail.toml"
    bad.write_text('[[policy.rules]]\nname = "no-such-rule"\naction = "reject"\n')
    result = runner.invoke(cli, ["--config", str(bad), "policy", "check"])
    assert result.exit_code == 2
    assert f"{bad}: policy.rules.0.name: unknown rule 'no-such-rule'" in result.output


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('province_domains = ["*.gov.vn"]', "policy.province_domains: '*.gov.vn' is not a domain"),
        (
            'province_domains = ["-x.gov.vn"]',
            "policy.province_domains: '-x.gov.vn' is not a domain",
        ),
        ("province_domains = []", "policy.province_domains: name at least one domain"),
        ('province_domains = ["GMail.com"]', "policy.province_domains: 'gmail.com' is listed"),
        ('free_domestic_domains = ["bad domain"]', "policy.free_domestic_domains: 'bad domain'"),
        ('admin_address = "postmaster"', "policy.admin_address: 'postmaster' is not a mail"),
    ],
)
def test_bad_domain_lists_and_conflicts_name_file_and_key(
    tmp_path: Path, body: str, expected: str
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(body + "\n")
    config = tmp_path / "govmail.toml"
    config.write_text(f'[policy]\nfile = "{policy}"\n')
    result = CliRunner(env=_env(tmp_path)).invoke(cli, ["--config", str(config), "policy", "check"])
    assert result.exit_code == 2, result.output
    assert f"{policy}: {expected}" in result.output


def test_policy_test_takes_addresses_as_the_gateway_does(tmp_path: Path) -> None:
    path = _letter(tmp_path, subject="Công văn 5985/UBND-KTN", pdf=False)
    runner = CliRunner(env=_env(tmp_path))
    args = ["policy", "test", str(path), "--json"]
    bracketed = runner.invoke(
        cli, [*args, "--from", "<vanthu@ninhthuan.gov.vn>", "--to", "<ban@GMAIL.COM>"]
    )
    assert bracketed.exit_code == 0, bracketed.output
    data = json.loads(bracketed.stdout)
    assert (data["action"], data["rule"]) == ("reject", "official-documents-abroad")
    for bad in ("not an address", "ban@gmail.com.", "<@a.vn:ban@gmail.com>"):
        result = runner.invoke(cli, [*args, "--from", "vanthu@ninhthuan.gov.vn", "--to", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "Invalid value for --to" in result.output
    null_sender = runner.invoke(cli, [*args, "--from", "<>", "--to", "vanthu@ninhthuan.gov.vn"])
    assert null_sender.exit_code == 0, null_sender.output


def test_vietnamese_reason_has_no_english_inside(tmp_path: Path) -> None:
    runner = CliRunner(env=_env(tmp_path))
    letter = _letter(tmp_path, subject="Công văn 5985/UBND-KTN", pdf=False)
    args = ["--from", "vanthu@ninhthuan.gov.vn", "--to", "ban@gmail.com", "--json"]
    data = json.loads(runner.invoke(cli, ["policy", "test", str(letter), *args]).stdout)
    assert "số/ký hiệu 5985/UBND-KTN trong tiêu đề" in data["reason"]["vi"]
    assert "in the subject" not in data["reason"]["vi"]
    assert "document number 5985/UBND-KTN in the subject" in data["reason"]["en"]
    assert data["facts"]["documents_reason"] == "document number 5985/UBND-KTN in the subject"

    forwarded = tmp_path / "fwd.eml"
    forwarded.write_bytes(
        b"From: vanthu@ninhthuan.gov.vn\r\nTo: x@ninhthuan.gov.vn\r\n"
        b"Resent-From: a@ninhthuan.gov.vn\r\nSubject: hi\r\n\r\nx\r\n"
    )
    data = json.loads(runner.invoke(cli, ["policy", "test", str(forwarded), *args]).stdout)
    assert data["rule"] == "auto-forward-abroad"
    assert "(tiêu đề Resent-From)" in data["reason"]["vi"] and "header" not in data["reason"]["vi"]
