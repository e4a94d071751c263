"""An audit table of erased notes (subject requests and retention).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_erasures_note_id", "erasures", ["note_id"])


def downgrade() -> None:
    op.drop_index("ix_erasures_note_id", table_name="erasures")
    op.drop_table("erasures")
