"""IMAP ingestion state per account and folder

Revision ID: 0601
Revises: 0002
Create Date: 2026-12-02 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import archive.models.base

revision: str = "0601"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = ("imap",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("server_uidnext", sa.BigInteger(), nullable=True),
        sa.Column("server_messages", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("rescans", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", archive.models.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", archive.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_folders")),
        sa.UniqueConstraint("account", "folder", name=op.f("uq_imap_folders_account")),
    )


def downgrade() -> None:
    op.drop_table("imap_folders")
