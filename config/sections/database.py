"""The metadata database: SQLite (WAL) by default, PostgreSQL for servers."""

from pydantic import Field, field_validator

from config.sections.base import Section

_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class DatabaseSettings(Section):
    """Database URL; empty means SQLite at <data_dir>/govmail.db."""

    url: str = Field(
        "",
        description=(
            "SQLAlchemy URL. Empty: sqlite:///<data_dir>/govmail.db. "
            "PostgreSQL: postgresql+psycopg://user@host:5432/dbname"
        ),
    )
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value:
            return value
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a valid database URL (expected sqlite:///PATH or "
                "postgresql+psycopg://USER@HOST:PORT/DB)"
            ) from None
        if url.drivername not in _SCHEMES:
            raise ValueError(
                f"unsupported database {url.drivername!r} (use sqlite or postgresql+psycopg)"
            )
        return value
