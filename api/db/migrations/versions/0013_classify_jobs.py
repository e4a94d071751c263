"""Bulk classification jobs: the lines of an upload and, once classified, their results.

`classify_items` holds one row per accepted line of a `POST /v1/classify/jobs`
upload: the client's id, the text until it is classified (then cleared), and
the result. Rows go with their job (ON DELETE CASCADE) when results expire.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classify_items",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "line", name="pk_classify_items"),
        # A repeated id in one upload is found by the database, not by a set in memory.
        sa.UniqueConstraint("job_id", "item_id", name="uq_classify_items_job_item"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_classify_items_job_id_jobs", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("classify_items")
