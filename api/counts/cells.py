"""Keep `count_cells`, `time_cells` and `light_cells` equal to what `notes` and
`note_themes` say.

A count cell holds counts for one day, theme, source, borough and BCU; a time
cell for one day, theme, London hour and light (separate aggregates, so that hour
and light do not multiply the area cells); a light cell for one day, theme and
light (the time cells without the hour: fewer rows for the commonest counts).
The theme ''
cell of a key counts every note there (`notes`), those with a theme
(`notes_with_theme`) and (note, theme) pairs (`pairs`); a theme's cell counts the
notes whose effective themes include it (`notes`). '' also stands for "none" in
source, borough and BCU, because NULLs never collide in a unique key and an
upsert could then not merge them.

Every change to effective themes goes through `record` in the same transaction
(see api/notes/repository.py), as one batched upsert whose increments are
summed in Python first and applied table by table in key order, so that two concurrent
transactions lock shared cells in the same order and cannot deadlock.
`rebuild` recomputes the table from scratch, for bulk loads and as a check.
Cells that fall to zero are kept (a later note reuses them); readers skip them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.db.tables import CountCell, LightCell, Note, NoteTheme, TimeCell

ALL_NOTES = ""  # the theme of the cells that count every note
VALUES = ("notes", "notes_with_theme", "pairs")

Key = tuple[Any, ...]  # (day, theme, *dimensions)
Counts = tuple[int, int, int]


@dataclass(frozen=True)
class Aggregate:
    """One table of cells: keyed by day, theme and `dimensions` of the note."""

    table: Table
    dimensions: tuple[str, ...]
    empty_is_none: bool  # '' stands for a missing value (area and source may be unknown)

    @property
    def key(self) -> tuple[str, ...]:
        return ("day", "theme", *self.dimensions)

    def values_of(self, note: Any) -> tuple[Any, ...]:
        values = tuple(getattr(note, name) for name in self.dimensions)
        return tuple(v or "" for v in values) if self.empty_is_none else values


AREA_CELLS = Aggregate(cast(Table, CountCell.__table__), ("source", "borough", "bcu"), True)
TIME_CELLS = Aggregate(cast(Table, TimeCell.__table__), ("hour", "light"), False)
LIGHT_CELLS = Aggregate(cast(Table, LightCell.__table__), ("light",), False)
AGGREGATES = (
    AREA_CELLS,
    TIME_CELLS,
    LIGHT_CELLS,
)  # the order cells are written in, by every writer


@dataclass(frozen=True)
class ThemeChange:
    """A note's effective themes going from `before` to `after`.

    `before` is None for a note not counted yet (a new one): it then also adds
    one to the notes of its all-notes cell; `removed` takes one away (with
    `after` empty) for a note being erased.
    """

    note: Note
    before: Sequence[str] | None
    after: Sequence[str]
    removed: bool = False  # the note is being erased: it leaves its all-notes cell too


@dataclass
class Increment:
    week: date
    month: date
    notes: int = 0
    notes_with_theme: int = 0
    pairs: int = 0

    def is_zero(self) -> bool:
        return not (self.notes or self.notes_with_theme or self.pairs)


def record(session: Session, changes: Iterable[ThemeChange]) -> None:
    """Apply the changes to each table of cells in one statement (none when they cancel out)."""
    changes = list(changes)
    for cells in AGGREGATES:
        increments = aggregate(changes, cells)
        if increments:
            rows = [_row(cells, key, increments[key]) for key in sorted(increments)]
            session.execute(_upsert(session, cells), rows)


def aggregate(
    changes: Iterable[ThemeChange], cells: Aggregate = AREA_CELLS
) -> dict[Key, Increment]:
    """The net increment of every cell the changes touch, zero ones left out."""
    touched: dict[Key, Increment] = {}
    for change in changes:
        _add(touched, cells, change)
    return {key: value for key, value in touched.items() if not value.is_zero()}


def _add(touched: dict[Key, Increment], cells: Aggregate, change: ThemeChange) -> None:
    before, after = set(change.before or ()), set(change.after)
    everything = _cell(touched, cells, change.note, ALL_NOTES)
    everything.notes += (change.before is None) - change.removed
    everything.notes_with_theme += bool(after) - bool(before)
    everything.pairs += len(after) - len(before)
    for theme in after - before:
        _cell(touched, cells, change.note, theme).notes += 1
    for theme in before - after:
        _cell(touched, cells, change.note, theme).notes -= 1


def _cell(touched: dict[Key, Increment], cells: Aggregate, note: Note, theme: str) -> Increment:
    key = (note.day, theme, *cells.values_of(note))
    if key not in touched:
        touched[key] = Increment(week=note.week, month=note.month)
    return touched[key]


def _row(cells: Aggregate, key: Key, increment: Increment) -> dict[str, Any]:
    return {
        **dict(zip(cells.key, key, strict=True)),
        "week": increment.week,
        "month": increment.month,
        "notes": increment.notes,
        "notes_with_theme": increment.notes_with_theme,
        "pairs": increment.pairs,
    }


def _upsert(session: Session, cells: Aggregate) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the increments, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    table = cells.table
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"count cells need PostgreSQL or SQLite, not {dialect}")
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return statement.on_conflict_do_update(
        index_elements=cells.key,
        set_={name: table.c[name] + statement.excluded[name] for name in VALUES},
    )


def rebuild(session: Session) -> int:
    """Recompute every cell from notes and note_themes; return how many cells there are."""
    total = 0
    for cells in AGGREGATES:
        session.execute(delete(cells.table))
        columns = ["day", "week", "month", "theme", *cells.dimensions, *VALUES]
        session.execute(insert(cells.table).from_select(columns, _all_notes_cells(cells)))
        session.execute(insert(cells.table).from_select(columns, _theme_cells(cells)))
        total += int(session.scalar(select(func.count()).select_from(cells.table)) or 0)
    return total


def _all_notes_cells(cells: Aggregate) -> Select[Any]:
    dimensions = _dimensions(Note, cells)
    has_theme = case((Note.theme_count > 0, 1), else_=0)
    return select(
        Note.day,
        Note.week,
        Note.month,
        literal_column("''"),
        *dimensions,
        func.count(),
        func.sum(has_theme),
        func.sum(Note.theme_count),
    ).group_by(Note.day, Note.week, Note.month, *dimensions)


def _theme_cells(cells: Aggregate) -> Select[Any]:
    dimensions = _dimensions(NoteTheme, cells)
    zero: ColumnElement[Any] = literal_column("0")
    return select(
        NoteTheme.day,
        NoteTheme.week,
        NoteTheme.month,
        NoteTheme.theme,
        *dimensions,
        func.count(),
        zero,
        zero,
    ).group_by(NoteTheme.day, NoteTheme.week, NoteTheme.month, NoteTheme.theme, *dimensions)


def _dimensions(table: Any, cells: Aggregate) -> list[Any]:
    """The cells' dimensions on notes or note_themes, '' for none where the cells use it
    (inline '', so GROUP BY matches SELECT)."""
    columns = [getattr(table, name) for name in cells.dimensions]
    if not cells.empty_is_none:
        return columns
    empty: ColumnElement[Any] = literal_column("''")
    return [func.coalesce(column, empty) for column in columns]


def snapshot(session: Session) -> dict[Key, Counts]:
    """Every non-zero cell's counts, keyed by table and key: what a rebuild would produce."""
    found: dict[Key, Counts] = {}
    for cells in AGGREGATES:
        table = cells.table
        rows = session.execute(
            select(*(table.c[name] for name in cells.key), *(table.c[name] for name in VALUES))
        )
        for row in rows:
            counts = (int(row.notes), int(row.notes_with_theme), int(row.pairs))
            if any(counts):
                found[(table.name, *row[: len(cells.key)])] = counts
    return found
