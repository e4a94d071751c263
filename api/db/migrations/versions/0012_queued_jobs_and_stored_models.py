"""Jobs that survive their worker, and model versions stored with the data.

- `jobs` gains `attempts` and a lease (`lease_owner`, `lease_until`): a worker
  holds a job while it runs and renews the lease; a job whose lease ran out was
  left by a worker that died, and the next delivery of its message takes it over.
- `predictions.job_id` marks the predictions a re-tag job stored (unique per
  note and job), so a retried re-tag picks up where the dead worker stopped
  instead of storing them twice.
- `job_chunks` splits a re-tag into ranges of note ids that several workers
  claim (under a lease each) and score side by side.
- `model_versions`, `model_files` and `model_activations` hold the model
  registry for deployments whose replicas share nothing but the database
  (`WALKTALK_MODEL_STORE=database`): each version's card and files (by content
  hash), and every activation, the newest being the active pointer.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("jobs", sa.Column("lease_owner", sa.String(length=100), nullable=True))
    op.add_column("jobs", sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.add_column("predictions", sa.Column("job_id", sa.Integer(), nullable=True))
    # One prediction per note per job, whoever stores it: two workers that both
    # believe they hold a chunk cannot store a note twice.
    op.create_index("uq_predictions_job_note", "predictions", ["job_id", "note_id"], unique=True)
    op.create_table(
        "job_chunks",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "chunk", name="pk_job_chunks"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_chunks_job_id_jobs", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "model_versions",
        sa.Column("registry", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("registry", "version", name="pk_model_versions"),
    )
    op.create_table(
        "model_files",
        sa.Column("registry", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("registry", "version", "path", name="pk_model_files"),
        sa.ForeignKeyConstraint(
            ["registry", "version"],
            ["model_versions.registry", "model_versions.version"],
            name="fk_model_files_version",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "model_activations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("registry", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("previous", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("rollback", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_model_activations_registry", "model_activations", ["registry", "id"])


def downgrade() -> None:
    op.drop_index("ix_model_activations_registry", table_name="model_activations")
    op.drop_table("model_activations")
    op.drop_table("model_files")
    op.drop_table("model_versions")
    op.drop_table("job_chunks")
    op.drop_index("uq_predictions_job_note", table_name="predictions")
    op.drop_column("predictions", "job_id")
    for column in ("lease_until", "lease_owner", "attempts"):
        op.drop_column("jobs", column)
