"""How many effective themes each note has, so counts need no DISTINCT over themes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("theme_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE notes SET theme_count = "
        "(SELECT count(*) FROM note_themes WHERE note_themes.note_id = notes.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("theme_count")
