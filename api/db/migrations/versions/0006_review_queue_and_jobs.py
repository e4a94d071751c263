"""Review queue (status, priority, leases), richer reviews, background jobs.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("review_status", sa.String(20), nullable=True))
        batch.add_column(
            sa.Column("review_priority", sa.Float(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("suspect_label", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE notes SET review_status = 'reviewed' WHERE reviewed")
    with op.batch_alter_table("notes") as batch:  # now derived from review_status
        batch.drop_column("reviewed")
    op.create_index("ix_notes_review_queue", "notes", ["review_status", "review_priority"])
    for name, where in (
        ("ix_notes_unreviewed", "review_status IS NULL"),
        ("ix_notes_suspect", "suspect_label"),
    ):
        op.create_index(
            name,
            "notes",
            ["review_priority", "id"],
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("predicted_themes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="review"))
    op.create_table(
        "review_leases",
        sa.Column(
            "note_id",
            sa.Integer(),
            sa.ForeignKey("notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_review_leases_expires_at", "review_leases", ["expires_at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_jobs_kind", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_review_leases_expires_at", table_name="review_leases")
    op.drop_table("review_leases")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("kind")
        batch.drop_column("predicted_themes")
    op.drop_index("ix_notes_suspect", table_name="notes")
    op.drop_index("ix_notes_unreviewed", table_name="notes")
    op.drop_index("ix_notes_review_queue", table_name="notes")
    with op.batch_alter_table("notes") as batch:
        batch.add_column(
            sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE notes SET reviewed = (review_status IS NOT NULL)")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("suspect_label")
        batch.drop_column("review_priority")
        batch.drop_column("review_status")
