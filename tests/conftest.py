"""Shared fixtures: settings in a temporary data dir, the archive on SQLite and PostgreSQL.

Every test that takes ``archive`` (or ``db_url``) runs once per database backend: SQLite
always, PostgreSQL when ``GOVMAIL_TEST_DATABASE_URL`` is set (CI sets it). Each test run
creates its own PostgreSQL database and drops it afterwards, so parallel runs never meet.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.db import make_engine, migrate
from archive.ingest import Archive
from archive.models import Base
from config import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
PG_ENV = "GOVMAIL_TEST_DATABASE_URL"


def corpus_path(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "govmail.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    url = make_url(base)
    name = f"govmail_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    migrate(engine)
    engine.dispose()
    yield test_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(
                not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set (CI sets it)"
            ),
        )
    )
    return params


@pytest.fixture(params=_backends())
def db_url(request, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "govmail.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a ``govmail`` CLI run at the test's archive."""
    return {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(settings.storage.data_dir)),
        "GOVMAIL_DATABASE__URL": json.dumps(settings.database.url),
        **extra,
    }


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    env = {
        "GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"',
        "GOVMAIL_DATABASE__URL": f'"{db_url}"',
    }
    return load_settings(None, env=env)


@pytest.fixture
def plain_settings(tmp_path: Path) -> Settings:
    """Settings on SQLite only, for tests where the backend does not matter."""
    return load_settings(None, env={"GOVMAIL_STORAGE__DATA_DIR": f'"{tmp_path / "var"}"'})


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    arch = Archive.open(settings)
    yield arch
    arch.close()


@pytest.fixture
def make_settings(tmp_path: Path):
    def _make(**sections) -> Settings:
        data = {"storage": {"data_dir": str(tmp_path / "var")}} | sections
        return Settings.model_validate(data)

    return _make
