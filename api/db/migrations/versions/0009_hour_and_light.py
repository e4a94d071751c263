"""When a concern happened: `occurred_at`, London hour and light on notes, and time cells.

Revision ID: 0009
Revises: 0008

Existing notes get their hour and light from `created_at` (none has an
`occurred_at` yet), computed here in Python in batches with the same rule as
api/notes/daylight.py, written out again so that the migration does not change
when the application code does. The time cells are then filled from the notes,
as `api.counts.cells.rebuild` would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000
COLUMNS = "day, week, month, theme, hour, light, notes, notes_with_theme, pairs"
FILL_ALL_NOTES = (
    f"INSERT INTO time_cells ({COLUMNS}) "
    "SELECT day, week, month, '', hour, light, count(*), "
    "sum(CASE WHEN theme_count > 0 THEN 1 ELSE 0 END), sum(theme_count) "
    "FROM notes GROUP BY day, week, month, hour, light"
)
FILL_THEMES = (
    f"INSERT INTO time_cells ({COLUMNS}) "
    "SELECT day, week, month, theme, hour, light, count(*), 0, 0 "
    "FROM note_themes GROUP BY day, week, month, theme, hour, light"
)
COPY_TO_THEMES = (
    "UPDATE note_themes SET "
    "hour = (SELECT hour FROM notes WHERE notes.id = note_themes.note_id), "
    "light = (SELECT light FROM notes WHERE notes.id = note_themes.note_id)"
)


def _hour_and_light(moment: datetime) -> tuple[int, str]:
    from astral import Observer
    from astral.sun import elevation

    aware = moment.replace(tzinfo=UTC)
    sun = elevation(Observer(51.5074, -0.1278), aware)
    light = "daylight" if sun > -0.833 else "twilight" if sun > -6.0 else "dark"
    return aware.astimezone(ZoneInfo("Europe/London")).hour, light


def upgrade() -> None:
    op.add_column("notes", sa.Column("occurred_at", sa.DateTime(timezone=False), nullable=True))
    for table in ("notes", "note_themes"):
        op.add_column(table, sa.Column("hour", sa.SmallInteger(), nullable=True))
        op.add_column(table, sa.Column("light", sa.String(length=9), nullable=True))
    _fill_notes(op.get_bind())
    op.execute(COPY_TO_THEMES)
    op.create_table(
        "time_cells",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("light", sa.String(length=9), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("notes_with_theme", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "theme", "hour", "light", name="pk_time_cells"),
    )
    op.create_index("ix_time_cells_theme_day", "time_cells", ["theme", "day"])
    op.execute(FILL_ALL_NOTES)
    op.execute(FILL_THEMES)


def _fill_notes(connection: sa.Connection) -> None:
    """Hour and light for every existing note, a batch of ids at a time."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, created_at FROM notes WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        updates = []
        for note_id, created_at in rows:
            moment = (
                created_at
                if isinstance(created_at, datetime)
                else datetime.fromisoformat(created_at)
            )
            hour, light = _hour_and_light(moment)
            updates.append({"id": note_id, "hour": hour, "light": light})
        connection.execute(
            sa.text("UPDATE notes SET hour = :hour, light = :light WHERE id = :id"), updates
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_time_cells_theme_day", table_name="time_cells")
    op.drop_table("time_cells")
    for table in ("note_themes", "notes"):
        op.drop_column(table, "light")
        op.drop_column(table, "hour")
    op.drop_column("notes", "occurred_at")
