"""Migrations 0009 and 0014 give notes stored before them an hour, a light, time and light cells."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from api.counts import cells
from api.db.migrate import alembic_config
from api.db.tables import Note, NoteTheme

NOTE = (
    "INSERT INTO notes (id, client, text, pii_types, source, created_at, received_at, day, "
    "week, month, places, area_inferred, theme_count, review_priority, suspect_label) VALUES "
    "(:id, 'c', 'x', '[]', 'officer', :at, :at, :day, :day, :day, '[]', false, 1, 0, false)"
)
THEME = (
    "INSERT INTO note_themes (note_id, theme, created_at, day, week, month, source) "
    "VALUES (:id, 'lighting', :at, :day, :day, :day, 'officer')"
)


def test_notes_stored_before_the_migration_get_hour_light_and_cells(database_url: str) -> None:
    engine = create_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")  # the shared PostgreSQL schema may be there already
        command.downgrade(config, "0008")  # ... so go back to just before 0009
        for note_id, at in ((1, "2026-07-01 20:45:00"), (2, "2026-12-01 12:00:00")):
            values = {"id": note_id, "at": at, "day": at[:10]}
            connection.execute(text(NOTE), values)
            connection.execute(text(THEME), values)
        command.upgrade(config, "head")
    with Session(engine) as session:
        notes = session.execute(select(Note.id, Note.hour, Note.light).order_by(Note.id)).all()
        assert [tuple(n) for n in notes] == [(1, 21, "twilight"), (2, 12, "daylight")]
        themes = session.execute(
            select(NoteTheme.hour, NoteTheme.light).order_by(NoteTheme.note_id)
        )
        assert [tuple(t) for t in themes] == [(21, "twilight"), (12, "daylight")]
        filled = _time_cells(session)
        # two notes, each an all-notes cell and a lighting cell, in each table
        assert sorted(key[0] for key in filled) == ["light_cells"] * 4 + ["time_cells"] * 4
        nested = session.begin_nested()
        cells.rebuild(session)
        assert _time_cells(session) == filled
        nested.rollback()
    engine.dispose()


def _time_cells(session: Session) -> dict[object, object]:
    """The time and light cells only (the rows were written behind the count cells' back)."""
    snapshot = cells.snapshot(session).items()
    return {k: v for k, v in snapshot if k[0] in ("time_cells", "light_cells")}
