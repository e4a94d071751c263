"""Light cells: counts per day, theme and light, for counts that need no hour.

The time cells hold each day's hours as well, about nine times the rows a
count by theme, period or light needs. This adds `light_cells` and fills them
from the notes as `api.counts.cells.rebuild` would.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = "day, week, month, theme, light, notes, notes_with_theme, pairs"
FILL_ALL_NOTES = (
    f"INSERT INTO light_cells ({COLUMNS}) "
    "SELECT day, week, month, '', light, count(*), "
    "sum(CASE WHEN theme_count > 0 THEN 1 ELSE 0 END), sum(theme_count) "
    "FROM notes GROUP BY day, week, month, light"
)
FILL_THEMES = (
    f"INSERT INTO light_cells ({COLUMNS}) "
    "SELECT day, week, month, theme, light, count(*), 0, 0 "
    "FROM note_themes GROUP BY day, week, month, theme, light"
)


def upgrade() -> None:
    op.create_table(
        "light_cells",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("light", sa.String(length=9), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("notes_with_theme", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "theme", "light", name="pk_light_cells"),
    )
    op.create_index("ix_light_cells_theme_day", "light_cells", ["theme", "day"])
    op.execute(FILL_ALL_NOTES)
    op.execute(FILL_THEMES)


def downgrade() -> None:
    op.drop_index("ix_light_cells_theme_day", table_name="light_cells")
    op.drop_table("light_cells")
