"""Where a prediction's evidence came from: the cue lexicon (bulk) or the model (occlusion).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(
            sa.Column("evidence_source", sa.String(10), nullable=False, server_default="cues")
        )


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("evidence_source")
