"""Places named in a note, and whether its borough/BCU were inferred from them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("places", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("area_inferred", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("area_inferred")
        batch.drop_column("places")
