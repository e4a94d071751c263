"""Pre-aggregated counts per day, theme, source, borough and BCU, filled from the notes.

Revision ID: 0005
Revises: 0004

'' stands for "all notes" in `theme` and for "none" in source, borough and BCU,
so that every key is unique and upserts merge. The fill mirrors
`api.counts.cells.rebuild` (kept as SQL here: a migration must not change when
the application code does).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AREA = "COALESCE(source, ''), COALESCE(borough, ''), COALESCE(bcu, '')"
COLUMNS = "day, week, month, theme, source, borough, bcu, notes, notes_with_theme, pairs"
FILL_ALL_NOTES = (
    f"INSERT INTO count_cells ({COLUMNS}) "
    f"SELECT day, week, month, '', {AREA}, count(*), "
    "sum(CASE WHEN theme_count > 0 THEN 1 ELSE 0 END), sum(theme_count) "
    f"FROM notes GROUP BY day, week, month, {AREA}"
)
FILL_THEMES = (
    f"INSERT INTO count_cells ({COLUMNS}) "
    f"SELECT day, week, month, theme, {AREA}, count(*), 0, 0 "
    f"FROM note_themes GROUP BY day, week, month, theme, {AREA}"
)


def upgrade() -> None:
    op.create_table(
        "count_cells",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("borough", sa.String(length=60), nullable=False),
        sa.Column("bcu", sa.String(length=40), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("notes_with_theme", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "theme", "source", "borough", "bcu", name="pk_count_cells"),
    )
    op.create_index("ix_count_cells_theme_day", "count_cells", ["theme", "day"])
    op.execute(FILL_ALL_NOTES)
    op.execute(FILL_THEMES)


def downgrade() -> None:
    op.drop_index("ix_count_cells_theme_day", table_name="count_cells")
    op.drop_table("count_cells")
