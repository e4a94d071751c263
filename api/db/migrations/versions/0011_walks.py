"""Walks: each walk and talk as a record, and notes pointing at the walk they came from.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "walks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("bcu", sa.String(length=40), nullable=False),
        sa.Column("borough", sa.String(length=60), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("officers", sa.JSON(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_walks_starts_at", "walks", ["starts_at"])
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN ... REFERENCES (allowed for a nullable column), so that
        # SQLite need not copy the notes table as alembic's batch mode would.
        op.execute("ALTER TABLE notes ADD COLUMN walk INTEGER REFERENCES walks (id)")
    else:
        op.add_column("notes", sa.Column("walk", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_notes_walk", "notes", "walks", ["walk"], ["id"])
    op.create_index("ix_notes_walk", "notes", ["walk"])
    op.add_column("note_themes", sa.Column("walk", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("note_themes", "walk")
    op.drop_index("ix_notes_walk", table_name="notes")
    with op.batch_alter_table("notes") as batch:  # SQLite: a column with a key needs a copy
        batch.drop_column("walk")
    op.drop_index("ix_walks_starts_at", table_name="walks")
    op.drop_table("walks")
