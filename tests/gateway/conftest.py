from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings, load_settings
from policies import FakeResolver
from tests.gateway.peers import GatewayRunner, NextHopPeer

MX = {
    "congty.vn": ["aspmx.l.google.com"],
    "trongnuoc.vn": ["mx.trongnuoc.vn"],
}


def gateway_settings(tmp_path: Path, db_url: str | None = None, **smtp) -> Settings:
    env = {
        "GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"',
        "GOVMAIL_SMTP__LISTEN": '["127.0.0.1:0"]',
        "GOVMAIL_SMTP__HOSTNAME": '"gw.ninhthuan.gov.vn"',
        "GOVMAIL_SMTP__RETRY_BASE_SECONDS": "0.2",
        "GOVMAIL_SMTP__RETRY_MAX_SECONDS": "1.0",
        "GOVMAIL_LOGGING__LEVEL": '"INFO"',
    }
    if db_url:
        env["GOVMAIL_DATABASE__URL"] = f'"{db_url}"'
    settings = load_settings(None, env=env)
    for key, value in smtp.items():
        setattr(settings.smtp, key, value)
    return settings


@pytest.fixture
def peer() -> Iterator[NextHopPeer]:
    hop = NextHopPeer()
    yield hop
    hop.close()


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver(dict(MX))


@pytest.fixture
def start_gateway(tmp_path: Path, resolver: FakeResolver):
    """Factory: start a gateway relaying to ``next_hop``; stopped at teardown."""
    started: list[GatewayRunner] = []

    def _start(settings: Settings | None = None, dkim_lookup=None, **smtp) -> GatewayRunner:
        settings = settings or gateway_settings(tmp_path, **smtp)
        runner = GatewayRunner(
            settings, resolver=resolver, dkim_lookup=dkim_lookup or (lambda name: None)
        )
        started.append(runner)
        return runner

    yield _start
    for runner in started:
        runner.stop()


def need(binary: str) -> str:
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin")
    if not path:
        pytest.skip(f"{binary} is not installed (.ci/run installs it)")
    return path
