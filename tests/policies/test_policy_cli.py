"""govmail policy check | test."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

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
