"""IMAP messages skipped under a folder's position, to be fetched again

Revision ID: 0602
Revises: 0601
Create Date: 2026-12-05 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import archive.models.base

revision: str = "0602"
down_revision: str | Sequence[str] | None = "0601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_skipped",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", archive.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_at", archive.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_skipped")),
        sa.UniqueConstraint("account", "folder", "uid", name=op.f("uq_imap_skipped_account")),
    )


def downgrade() -> None:
    op.drop_table("imap_skipped")
