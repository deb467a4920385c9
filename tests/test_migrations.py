"""Migrations when several entry points start at once (`govmail serve` beside `govmail web`,
the gateway's archive and OCR workers in one process)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import text

from archive.db import make_engine, migrate, pending_migrations

REPO = Path(__file__).resolve().parent.parent
MIGRATE = (
    "import sys; from archive.db import make_engine, migrate; migrate(make_engine(sys.argv[1]))"
)


def test_threads_migrating_one_fresh_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'govmail.db'}"
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        try:
            migrate(make_engine(url))
        except BaseException as exc:  # the test reports every failure
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert not pending_migrations(make_engine(url))


def test_processes_migrating_one_fresh_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'govmail.db'}"
    procs = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, url], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outcomes = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
    failures = [err.decode()[-500:] for err, code in outcomes if code != 0]
    assert failures == []
    engine = make_engine(url)
    assert not pending_migrations(engine)
    with engine.connect() as conn:  # every branch head once, no duplicate rows
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(heads) == len(set(heads)) >= 4
