"""The safeguarding flag on notes, and who read a flagged note, when, with what outcome.

Revision ID: 0010
Revises: 0009

Notes stored before this have no flag score (`urgent_score` NULL) and are not
flagged; `walktalk safeguarding rescore` scores them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = "urgent AND safeguarding_read_at IS NULL"


def upgrade() -> None:
    op.add_column(
        "notes",
        sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("notes", sa.Column("urgent_score", sa.Float(), nullable=True))
    op.add_column("notes", sa.Column("flag_version", sa.String(length=64), nullable=True))
    op.add_column("notes", sa.Column("safeguarding_read_at", sa.DateTime(), nullable=True))
    op.add_column("notes", sa.Column("safeguarding_read_by", sa.String(length=100), nullable=True))
    op.add_column("notes", sa.Column("safeguarding_outcome", sa.String(length=20), nullable=True))
    op.create_index(
        "ix_notes_safeguarding_open",
        "notes",
        ["urgent_score", "id"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_notes_safeguarding_open", table_name="notes")
    for column in (
        "safeguarding_outcome",
        "safeguarding_read_by",
        "safeguarding_read_at",
        "flag_version",
        "urgent_score",
        "urgent",
    ):
        op.drop_column("notes", column)
