"""Queries for notes, their predictions and effective themes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from api.counts import cells
from api.db.tables import Note, NoteTheme, Prediction


def calendar(moment: datetime) -> tuple[date, date, date]:
    """Day, week start (Monday) and month start of a moment, for grouping."""
    day = moment.date()
    return day, date.fromordinal(day.toordinal() - day.weekday()), day.replace(day=1)


def existing_external_ids(
    session: Session, client: str, external_ids: Sequence[str]
) -> dict[str, Note]:
    if not external_ids:
        return {}
    rows = session.scalars(
        select(Note).where(Note.client == client, Note.external_id.in_(list(external_ids)))
    )
    return {note.external_id: note for note in rows if note.external_id is not None}


def add_new_notes(
    session: Session, notes: Sequence[Note], predictions: Sequence[Prediction]
) -> None:
    """Insert new notes, their predictions, effective themes and count cells, batched.

    The count cells change in the same transaction (one upsert for the batch), so
    counts read from them never disagree with the notes.
    """
    session.add_all(notes)
    session.flush()
    for note, prediction in zip(notes, predictions, strict=True):
        prediction.note_id = note.id
    session.add_all(predictions)
    session.flush()
    rows = []
    for note, prediction in zip(notes, predictions, strict=True):
        note.prediction_id = prediction.id
        note.theme_count = len(prediction.themes)
        rows += [_theme_row(note, theme) for theme in prediction.themes]
    session.add_all(rows)
    session.flush()
    cells.record(
        session,
        (
            cells.ThemeChange(note, None, prediction.themes)
            for note, prediction in zip(notes, predictions, strict=True)
        ),
    )


def _theme_row(note: Note, theme: str) -> NoteTheme:
    return NoteTheme(
        note_id=note.id,
        theme=theme,
        created_at=note.created_at,
        day=note.day,
        week=note.week,
        month=note.month,
        hour=note.hour,
        light=note.light,
        walk=note.walk,
        source=note.source,
        borough=note.borough,
        bcu=note.bcu,
    )


def set_effective_themes(session: Session, note: Note, themes: Sequence[str]) -> None:
    """Replace a stored note's effective themes, and move its counts in the count cells."""
    set_effective_themes_many(session, [(note, themes)])


def set_effective_themes_many(
    session: Session, changes: Sequence[tuple[Note, Sequence[str]]]
) -> None:
    """The same for many notes at once: one read, one delete, one insert, one cells upsert."""
    if not changes:
        return
    ids = [note.id for note, _ in changes]
    before: dict[int, list[str]] = {note_id: [] for note_id in ids}
    for note_id, theme in session.execute(
        select(NoteTheme.note_id, NoteTheme.theme).where(NoteTheme.note_id.in_(ids))
    ):
        before[note_id].append(theme)
    session.execute(delete(NoteTheme).where(NoteTheme.note_id.in_(ids)))
    rows = []
    for note, themes in changes:
        note.theme_count = len(themes)
        rows += [_theme_row(note, theme) for theme in themes]
    session.add_all(rows)
    cells.record(
        session, [cells.ThemeChange(note, before[note.id], themes) for note, themes in changes]
    )


def predictions_of(session: Session, notes: Sequence[Note]) -> dict[int, Prediction]:
    """The current prediction of each note that has one, by note id, in one query."""
    ids = [note.prediction_id for note in notes if note.prediction_id is not None]
    if not ids:
        return {}
    rows = session.scalars(select(Prediction).where(Prediction.id.in_(ids)))
    return {prediction.note_id: prediction for prediction in rows}


def prediction_of(session: Session, note: Note) -> Prediction | None:
    return session.get(Prediction, note.prediction_id) if note.prediction_id else None


def effective_themes(session: Session, note_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {note_id: [] for note_id in note_ids}
    rows = session.execute(
        select(NoteTheme.note_id, NoteTheme.theme).where(NoteTheme.note_id.in_(list(note_ids)))
    )
    for note_id, theme in rows:
        found[note_id].append(theme)
    return {note_id: sorted(themes) for note_id, themes in found.items()}


def list_query(
    *,
    source: str | None,
    borough: str | None,
    bcu: str | None,
    theme: str | None,
    start: datetime | None,
    end: datetime | None,
    before_id: int | None,
    light: str | None = None,
    hour: int | None = None,
    walk: int | None = None,
) -> Select[Note]:
    """Newest first; `before_id` continues after the last note of a page.

    The filters are the counts' own, so a count can list the notes behind it.
    """
    query = select(Note).order_by(Note.id.desc())
    equal = (
        (Note.source, source),
        (Note.borough, borough),
        (Note.bcu, bcu),
        (Note.light, light),
        (Note.hour, hour),
        (Note.walk, walk),
    )
    for column, value in equal:
        if value is not None:
            query = query.where(column == value)
    if start is not None:
        query = query.where(Note.created_at >= start)
    if end is not None:
        query = query.where(Note.created_at < end)
    if before_id is not None:
        query = query.where(Note.id < before_id)
    if theme is not None:
        query = query.where(Note.id.in_(select(NoteTheme.note_id).where(NoteTheme.theme == theme)))
    return query
