"""Settings: defaults, file, environment overrides, and errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from config import ConfigError, load_settings


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.source == "built-in defaults"
    assert settings.database_url() == "sqlite:///var/govmail.db"
    assert settings.limits.max_nesting_depth == 5
    assert settings.storage.resolved_blobs_dir() == Path("var/blobs")


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "govmail.toml").write_text("[limits]\nmax_parts = 11\n")
    other = tmp_path / "other.toml"
    other.write_text("[limits]\nmax_parts = 22\n")
    assert load_settings(None, env={}).limits.max_parts == 11
    assert load_settings(None, env={"GOVMAIL_CONFIG": str(other)}).limits.max_parts == 22
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("[limits]\nmax_parts = 33\n")
    env = {"GOVMAIL_CONFIG": str(other)}
    assert load_settings(explicit, env=env).limits.max_parts == 33


def test_environment_overrides_single_keys(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_text("[limits]\nmax_parts = 11\nmax_nesting_depth = 3\n")
    env = {"GOVMAIL_LIMITS__MAX_PARTS": "99", "GOVMAIL_DATABASE__URL": "sqlite:////x/y.db"}
    settings = load_settings(path, env=env)
    assert settings.limits.max_parts == 99
    assert settings.limits.max_nesting_depth == 3
    assert settings.database_url() == "sqlite:////x/y.db"


def test_bad_database_url_names_file_key_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "govmail.toml"
    path.write_text('[database]\nurl = "mysql:/nope"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: database.url: ")
    assert "database" in str(err.value)


def test_unknown_key_and_wrong_type_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "govmail.toml"
    path.write_text('[limits]\nmax_partz = 3\nmax_nesting_depth = "deep"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    keys = sorted(p.key for p in err.value.problems)
    assert keys == ["limits.max_nesting_depth", "limits.max_partz"]
    assert "unknown key" in str(err.value)


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(None, env={"GOVMAIL_LIMITS__MAX_PARTS": "many"})
    assert "environment GOVMAIL_LIMITS__MAX_PARTS: limits.max_parts" in str(err.value)


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[limits\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: not valid TOML")


def test_config_check_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[limits]\nmax_parts = 7\n")
    bad = tmp_path / "govmail.toml"
    bad.write_text('[database]\nurl = "not a url"\n')
    runner = CliRunner()
    ok = runner.invoke(cli, ["config", "check", str(good), "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"max_parts": 7' in ok.output
    result = runner.invoke(cli, ["config", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: database.url: not a valid database URL" in result.output


def test_example_config_is_valid_and_complete() -> None:
    example = Path(__file__).resolve().parent.parent / "config" / "govmail.example.toml"
    settings = load_settings(example, env={})
    assert settings.source == str(example)
    text = example.read_text()
    for section in settings.model_dump():
        assert f"[{section}]" in text, f"example config lacks [{section}]"


@pytest.mark.parametrize("hop", ["a b:25", "mail.internal:0", "user@mail:25"])
def test_bad_next_hop_stops_start_up(hop: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, env={"GOVMAIL_SMTP__NEXT_HOP": f'"{hop}"'})
    assert f"smtp.next_hop: {hop!r} is not HOST:PORT" in str(caught.value)


@pytest.mark.parametrize("hop", ["mail.internal:25", "[::1]:10026", "127.0.0.1:10026"])
def test_good_next_hop(hop: str) -> None:
    assert load_settings(None, env={"GOVMAIL_SMTP__NEXT_HOP": f'"{hop}"'}).smtp.next_hop == hop


def test_an_empty_imap_ca_file_is_the_system_bundle(tmp_path: Path) -> None:
    config = tmp_path / "govmail.toml"
    config.write_text(
        '[[imap.accounts]]\nname = "vanthu"\nhost = "mail.ninhthuan.gov.vn"\n'
        'user = "vanthu"\npassword = "x"\nca_file = ""\n',
        encoding="utf-8",
    )
    (account,) = load_settings(config, env={}).imap.accounts
    assert account.ca_file is None
    config.write_text(config.read_text().replace('ca_file = ""', 'ca_file = "/nowhere.pem"'))
    with pytest.raises(ConfigError, match=r"imap\.accounts\.0\.ca_file"):
        load_settings(config, env={})
