"""Counting effective themes, grouped and filtered.

Each note is counted once per effective theme (its latest reviewed themes, else
its current prediction). Alongside each group's count of (note, theme) pairs
comes the number of distinct notes in the group, and the totals: all notes that
match the filters (with or without a theme), distinct notes with at least one
theme, and (note, theme) pairs. The sum of the rows' counts equals the pairs
total whatever the grouping.

Counts come from the pre-aggregated cells where those give the exact answer
(the count cells by area and source, the time cells by hour, the light cells
otherwise; a query that needs area and time at once reads the notes), else from the notes
and their effective themes; both give the same.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, distinct, func, literal_column, select
from sqlalchemy.orm import Session

from api.counts.cells import ALL_NOTES
from api.db.tables import CountCell, LightCell, Note, NoteTheme, TimeCell

GROUPS = ("theme", "bcu", "borough", "source", "period", "hour", "light", "walk")
AREA_DIMENSIONS = ("bcu", "borough", "source")
TIME_DIMENSIONS = ("hour", "light")
Period = Literal["day", "week", "month"]


@dataclass(frozen=True)
class CountQuery:
    """What to count: grouping, period size and filters (validated by the route)."""

    group_by: tuple[str, ...]
    period: Period = "month"
    start: datetime | None = None
    end: datetime | None = None
    themes: tuple[str, ...] = ()
    bcu: str | None = None
    borough: str | None = None
    source: str | None = None
    light: str | None = None
    hour_from: int | None = None  # London hours, both ends included;
    hour_to: int | None = None  # from > to wraps past midnight (18 to 5)
    walk: int | None = None

    def uses(self, dimensions: tuple[str, ...]) -> bool:
        """Whether the query groups or filters by any of these dimensions."""
        filtered = {
            "hour": self.hour_from is not None or self.hour_to is not None,
            "light": self.light is not None,
        }
        return any(
            name in self.group_by or filtered.get(name, getattr(self, name, None) is not None)
            for name in dimensions
        )


@dataclass
class CountResult:
    query: CountQuery
    rows: list[dict[str, Any]] = field(default_factory=list)
    total_pairs: int = 0
    notes_with_theme: int = 0
    notes: int = 0


def count(session: Session, query: CountQuery, *, use_cells: bool = True) -> CountResult:
    """Rows and totals, from the count cells wherever they give the exact answer.

    The cells (api/counts/cells.py) hold counts per day, so they answer any
    grouping and filter when `from` and `to` fall on UTC midnights, reading a
    few hundred thousand small rows instead of every note. They cannot tell how
    many distinct notes have any of several themes: such totals, and such rows
    unless grouped by theme, come from the notes (`use_cells=False` forces that
    path everywhere, to compare the two).
    """
    result = CountResult(query=query)
    cells = _cells_for(query)
    by_day = use_cells and cells is not None and _on_day_boundaries(query)
    if by_day and (len(query.themes) <= 1 or "theme" in query.group_by):
        result.rows = _cell_rows(session, query, cells)
    else:
        result.rows = _rows(session, query)
    if by_day and len(query.themes) <= 1:
        _cell_totals(session, query, result, cells)
    else:
        _totals(session, query, result)
    return result


def _cells_for(query: CountQuery) -> Any:
    """The cells that hold the query's dimensions (None when it needs area and time at once,
    or walks, which no cells hold)."""
    if query.uses(("walk",)):
        return None
    by_area, by_time = query.uses(AREA_DIMENSIONS), query.uses(TIME_DIMENSIONS)
    if by_area and by_time:
        return None
    # Without area or source, the time cells answer too, and there are fewer of them
    # (a day's hours and lights, against its sources, boroughs and BCUs); without the
    # hour, the light cells, fewer again.
    if by_area:
        return CountCell
    return TimeCell if query.uses(("hour",)) else LightCell


def _on_day_boundaries(query: CountQuery) -> bool:
    return all(
        moment is None or moment == datetime.combine(moment.date(), time())
        for moment in (query.start, query.end)
    )


def _totals(session: Session, query: CountQuery, result: CountResult) -> None:
    """Totals from the notes, each by one scan without DISTINCT where the query allows it.

    Each note stores how many effective themes it has (`theme_count`), so that
    the totals read the notes table once: pairs are `sum(theme_count)`, notes
    with a theme `theme_count > 0`. Only a theme filter needs DISTINCT over
    note_themes.
    """
    if query.themes:
        pairs, with_theme = session.execute(
            select(func.count(), func.count(distinct(NoteTheme.note_id))).where(
                *_theme_filters(query)
            )
        ).one()
        result.total_pairs, result.notes_with_theme = int(pairs), int(with_theme)
        result.notes = result.notes_with_theme
        return
    has_theme = case((Note.theme_count > 0, 1), else_=0)
    notes, with_theme, pairs = session.execute(
        select(func.count(), func.sum(has_theme), func.sum(Note.theme_count)).where(
            *_common_filters(Note, query)
        )
    ).one()
    result.notes, result.notes_with_theme, result.total_pairs = (
        int(notes),
        int(with_theme or 0),
        int(pairs or 0),
    )


def _rows(session: Session, query: CountQuery) -> list[dict[str, Any]]:
    """Rows from the notes: grouped by area, source or period, pairs are `sum(theme_count)`.

    Grouped by theme, each (note, theme) row is one note, so count is notes; a
    theme filter without theme grouping needs DISTINCT over note_themes.
    """
    if "theme" in query.group_by or query.themes:
        columns = [_group_column(NoteTheme, name, query.period) for name in query.group_by]
        notes = (
            func.count() if "theme" in query.group_by else func.count(distinct(NoteTheme.note_id))
        )
        statement = select(*columns, func.count().label("count"), notes.label("notes")).where(
            *_theme_filters(query)
        )
    else:
        columns = [_group_column(Note, name, query.period) for name in query.group_by]
        statement = select(
            *columns, func.sum(Note.theme_count).label("count"), func.count().label("notes")
        ).where(*_common_filters(Note, query), Note.theme_count > 0)
    return _collect(session, statement, columns, query.group_by)


def _cell_rows(session: Session, query: CountQuery, cells: Any) -> list[dict[str, Any]]:
    """Rows from the count cells: theme cells count notes, all-notes cells pairs.

    With one theme (or grouped by theme) a theme cell's notes are both the
    group's (note, theme) pairs and its distinct notes.
    """
    columns = [_cell_group_column(cells, name, query.period) for name in query.group_by]
    themed = "theme" in query.group_by or bool(query.themes)
    if themed:
        counted, notes = func.sum(cells.notes), func.sum(cells.notes)
    else:
        counted, notes = func.sum(cells.pairs), func.sum(cells.notes_with_theme)
    statement = select(*columns, counted.label("count"), notes.label("notes")).where(
        *_cell_filters(cells, query, themed)
    )
    return _collect(session, statement, columns, query.group_by)


def _cell_totals(session: Session, query: CountQuery, result: CountResult, cells: Any) -> None:
    """Totals from the cells (at most one theme: no distinct notes needed)."""
    if query.themes:
        notes = session.scalar(
            select(func.sum(cells.notes)).where(*_cell_filters(cells, query, themed=True))
        )
        result.total_pairs = result.notes_with_theme = result.notes = int(notes or 0)
        return
    notes, with_theme, pairs = session.execute(
        select(
            func.sum(cells.notes),
            func.sum(cells.notes_with_theme),
            func.sum(cells.pairs),
        ).where(*_cell_filters(cells, query, themed=False))
    ).one()
    result.notes, result.notes_with_theme, result.total_pairs = (
        int(notes or 0),
        int(with_theme or 0),
        int(pairs or 0),
    )


def _collect(
    session: Session,
    statement: Select[Any],
    columns: list[ColumnElement[Any]],
    group_by: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Run a grouped count, ordered by its groups, leaving out groups without a note."""
    if columns:
        statement = statement.group_by(*columns).order_by(*columns)
    rows = []
    for row in session.execute(statement):
        values = row._mapping
        if not values["notes"]:
            continue  # no matching note at all (an ungrouped count over nothing)
        group = {name: _plain(values[name]) for name in group_by}
        rows.append({**group, "count": int(values["count"]), "notes": int(values["notes"])})
    return rows


def as_json(result: CountResult) -> dict[str, Any]:
    q = result.query
    return {
        "group_by": list(q.group_by),
        "period": q.period if "period" in q.group_by else None,
        "filters": {
            "from": q.start,
            "to": q.end,
            "theme": list(q.themes) or None,
            "bcu": q.bcu,
            "borough": q.borough,
            "source": q.source,
            "light": q.light,
            "hour_from": q.hour_from,
            "hour_to": q.hour_to,
            "walk": q.walk,
        },
        "rows": result.rows,
        "total": {
            "count": result.total_pairs,
            "notes_with_theme": result.notes_with_theme,
            "notes": result.notes,
        },
    }


def as_csv(result: CountResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*result.query.group_by, "count", "notes"])
    for row in result.rows:
        writer.writerow(
            [row[name] if row[name] is not None else "" for name in result.query.group_by]
            + [row["count"], row["notes"]]
        )
    return out.getvalue()


def _group_column(table: Any, name: str, period: Period) -> ColumnElement[Any]:
    if name == "period":
        return getattr(table, period).label("period")
    return getattr(table, name).label(name)


def _cell_group_column(cells: Any, name: str, period: Period) -> ColumnElement[Any]:
    """A cell's group column, '' read back as NULL so groups and order match the notes'."""
    if name == "period":
        return getattr(cells, period).label("period")
    if name in ("theme", *TIME_DIMENSIONS):
        return getattr(cells, name).label(name)
    return func.nullif(getattr(cells, name), literal_column("''")).label(name)


def _cell_filters(cells: Any, query: CountQuery, themed: bool) -> list[ColumnElement[bool]]:
    """Filters on cells: whole days, area, source, hour and light, and which theme cells."""
    filters: list[ColumnElement[bool]] = []
    if query.start is not None:
        filters.append(cells.day >= query.start.date())
    if query.end is not None:
        filters.append(cells.day < query.end.date())
    filters += _area_filters(cells, query) + _time_filters(cells, query)
    if query.themes:
        filters.append(cells.theme.in_(query.themes))
    elif themed:
        filters.append(cells.theme != ALL_NOTES)
    else:
        filters.append(cells.theme == ALL_NOTES)
    return filters


def _theme_filters(query: CountQuery) -> list[ColumnElement[bool]]:
    filters = _common_filters(NoteTheme, query)
    if query.themes:
        filters.append(NoteTheme.theme.in_(query.themes))
    return filters


def _common_filters(table: Any, query: CountQuery) -> list[ColumnElement[bool]]:
    filters = []
    if query.start is not None:
        filters.append(table.created_at >= query.start)
    if query.end is not None:
        filters.append(table.created_at < query.end)
    if query.walk is not None:
        filters.append(table.walk == query.walk)
    return filters + _area_filters(table, query) + _time_filters(table, query)


def _area_filters(table: Any, query: CountQuery) -> list[ColumnElement[bool]]:
    """BCU, borough and source as asked (the same columns on notes, themes and cells)."""
    return [
        getattr(table, name) == getattr(query, name)
        for name in AREA_DIMENSIONS
        if getattr(query, name) is not None
    ]


def _time_filters(table: Any, query: CountQuery) -> list[ColumnElement[bool]]:
    """Light, and a range of London hours (wrapping past midnight when from > to)."""
    filters: list[ColumnElement[bool]] = []
    if query.light is not None:
        filters.append(table.light == query.light)
    first = 0 if query.hour_from is None else query.hour_from
    last = 23 if query.hour_to is None else query.hour_to
    if (first, last) != (0, 23):
        hour = table.hour
        inside = (hour >= first) & (hour <= last)
        filters.append(inside if first <= last else (hour >= first) | (hour <= last))
    return filters


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
