"""Keep `count_cells` equal to what `notes` and `note_themes` say.

A cell holds counts for one day, theme, source, borough and BCU. The theme ''
cell of a key counts every note there (`notes`), those with a theme
(`notes_with_theme`) and (note, theme) pairs (`pairs`); a theme's cell counts the
notes whose effective themes include it (`notes`). '' also stands for "none" in
source, borough and BCU, because NULLs never collide in a unique key and an
upsert could then not merge them.

Every change to effective themes goes through `record` in the same transaction
(see api/notes/repository.py), as one batched upsert whose increments are
summed in Python first and applied in key order, so that two concurrent
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

from api.db.tables import CountCell, Note, NoteTheme

ALL_NOTES = ""  # the theme of the cells that count every note
KEY = ("day", "theme", "source", "borough", "bcu")
VALUES = ("notes", "notes_with_theme", "pairs")
TABLE = cast(Table, CountCell.__table__)

Key = tuple[date, str, str, str, str]
Counts = tuple[int, int, int]


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
    """Apply the changes to the cells in one statement (nothing when they cancel out)."""
    increments = aggregate(changes)
    if not increments:
        return
    rows = [_row(key, increments[key]) for key in sorted(increments)]
    session.execute(_upsert(session), rows)


def aggregate(changes: Iterable[ThemeChange]) -> dict[Key, Increment]:
    """The net increment of every cell the changes touch, zero ones left out."""
    cells: dict[Key, Increment] = {}
    for change in changes:
        _add(cells, change)
    return {key: value for key, value in cells.items() if not value.is_zero()}


def _add(cells: dict[Key, Increment], change: ThemeChange) -> None:
    before, after = set(change.before or ()), set(change.after)
    everything = _cell(cells, change.note, ALL_NOTES)
    everything.notes += (change.before is None) - change.removed
    everything.notes_with_theme += bool(after) - bool(before)
    everything.pairs += len(after) - len(before)
    for theme in after - before:
        _cell(cells, change.note, theme).notes += 1
    for theme in before - after:
        _cell(cells, change.note, theme).notes -= 1


def _cell(cells: dict[Key, Increment], note: Note, theme: str) -> Increment:
    key = (note.day, theme, note.source or "", note.borough or "", note.bcu or "")
    if key not in cells:
        cells[key] = Increment(week=note.week, month=note.month)
    return cells[key]


def _row(key: Key, increment: Increment) -> dict[str, Any]:
    return {
        **dict(zip(KEY, key, strict=True)),
        "week": increment.week,
        "month": increment.month,
        "notes": increment.notes,
        "notes_with_theme": increment.notes_with_theme,
        "pairs": increment.pairs,
    }


def _upsert(session: Session) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the increments, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(TABLE)
        return pg.on_conflict_do_update(
            index_elements=KEY, set_={name: TABLE.c[name] + pg.excluded[name] for name in VALUES}
        )
    if dialect == "sqlite":
        lite = sqlite.insert(TABLE)
        return lite.on_conflict_do_update(
            index_elements=KEY, set_={name: TABLE.c[name] + lite.excluded[name] for name in VALUES}
        )
    raise NotImplementedError(f"count cells need PostgreSQL or SQLite, not {dialect}")


def rebuild(session: Session) -> int:
    """Recompute every cell from notes and note_themes; return how many cells there are."""
    session.execute(delete(CountCell))
    columns = ["day", "week", "month", "theme", "source", "borough", "bcu", *VALUES]
    session.execute(insert(TABLE).from_select(columns, _all_notes_cells()))
    session.execute(insert(TABLE).from_select(columns, _theme_cells()))
    return int(session.scalar(select(func.count()).select_from(TABLE)) or 0)


def _all_notes_cells() -> Select[Any]:
    area = _area(Note)
    has_theme = case((Note.theme_count > 0, 1), else_=0)
    return select(
        Note.day,
        Note.week,
        Note.month,
        literal_column("''"),
        *area,
        func.count(),
        func.sum(has_theme),
        func.sum(Note.theme_count),
    ).group_by(Note.day, Note.week, Note.month, *area)


def _theme_cells() -> Select[Any]:
    area = _area(NoteTheme)
    zero: ColumnElement[Any] = literal_column("0")
    return select(
        NoteTheme.day,
        NoteTheme.week,
        NoteTheme.month,
        NoteTheme.theme,
        *area,
        func.count(),
        zero,
        zero,
    ).group_by(NoteTheme.day, NoteTheme.week, NoteTheme.month, NoteTheme.theme, *area)


def _area(table: Any) -> list[Any]:
    """Source, borough and BCU with '' for none (inline '', so GROUP BY matches SELECT)."""
    empty: ColumnElement[Any] = literal_column("''")
    return [func.coalesce(getattr(table, name), empty) for name in ("source", "borough", "bcu")]


def snapshot(session: Session) -> dict[Key, Counts]:
    """Every non-zero cell's counts by key: what a rebuild would produce, to compare with."""
    rows = session.execute(
        select(*(TABLE.c[name] for name in KEY), *(TABLE.c[name] for name in VALUES))
    )
    cells: dict[Key, Counts] = {}
    for row in rows:
        counts = (int(row.notes), int(row.notes_with_theme), int(row.pairs))
        if any(counts):
            cells[(row.day, row.theme, row.source, row.borough, row.bcu)] = counts
    return cells
