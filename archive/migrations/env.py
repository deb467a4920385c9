"""Alembic environment: run with the engine govmail hands over (no alembic.ini needed)."""

from alembic import context
from sqlalchemy import text

from archive.models import Base

config = context.config
target_metadata = Base.metadata
LOCK_KEY = 0x676F766D  # "govm"


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # one migrating process at a time; the next one sees the new version
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
        connection.commit()


run_migrations_online()
