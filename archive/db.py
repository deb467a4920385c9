"""Engines, sessions and migrations for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATING = threading.Lock()


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine with the pragmas govmail relies on (WAL, foreign keys, full sync on SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLAlchemy drives transactions (pysqlite's own BEGIN handling is unreliable).
        # Readers take a deferred BEGIN (WAL: they never block writers); write paths that
        # read first ask for IMMEDIATE (``write_engine``) so they never fail to upgrade.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN."""
    return engine.execution_options(sqlite_immediate=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # first: the others may wait for a lock
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        cur.execute("PRAGMA journal_mode=WAL")  # kept in the file; needs the write lock
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Apply every pending migration (all branches).

    Two processes may start at once (``govmail serve`` and ``govmail web``): on SQLite the
    migration transaction takes the write lock at BEGIN, so the second waits and then finds
    nothing to do instead of failing to upgrade its read lock ("database is locked");
    PostgreSQL serialises them with an advisory lock (migrations/env.py).
    """
    from alembic import command

    with _MIGRATING:  # alembic's context is module-global: one migration per process
        command.upgrade(_alembic_config(write_engine(engine)), "heads")


def pending_migrations(engine: Engine) -> bool:
    """True when the database is behind the code (cheap: compares revision ids)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != set(script.get_heads())


def ensure_migrated(engine: Engine) -> None:
    """Called on start: migrate only when something is pending."""
    if pending_migrations(engine):
        migrate(engine)
