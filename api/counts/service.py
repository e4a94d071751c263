"""Counting effective themes, grouped and filtered.

Each note is counted once per effective theme (its latest reviewed themes, else
its current prediction). Alongside each group's count of (note, theme) pairs
comes the number of distinct notes in the group, and the totals: all notes that
match the filters (with or without a theme), distinct notes with at least one
theme, and (note, theme) pairs. The sum of the rows' counts equals the pairs
total whatever the grouping.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session

from api.db.tables import Note, NoteTheme

GROUPS = ("theme", "bcu", "borough", "source", "period")
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


@dataclass
class CountResult:
    query: CountQuery
    rows: list[dict[str, Any]] = field(default_factory=list)
    total_pairs: int = 0
    notes_with_theme: int = 0
    notes: int = 0


def count(session: Session, query: CountQuery) -> CountResult:
    """Rows and totals, each by one scan without DISTINCT where the query allows it.

    Each note stores how many effective themes it has (`theme_count`), so that a
    count grouped by area, source or period, or the totals, reads the notes table
    once: pairs are `sum(theme_count)`, notes with a theme `theme_count > 0`.
    Grouped by theme, each (note, theme) row is one note, so count is notes. Only a
    theme filter without theme grouping needs DISTINCT over note_themes.
    """
    result = CountResult(query=query)
    result.rows = _rows(session, query)
    if query.themes:
        pairs, with_theme = session.execute(
            select(func.count(), func.count(distinct(NoteTheme.note_id))).where(
                *_theme_filters(query)
            )
        ).one()
        result.total_pairs, result.notes_with_theme = int(pairs), int(with_theme)
        result.notes = result.notes_with_theme
        return result
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
    return result


def _rows(session: Session, query: CountQuery) -> list[dict[str, Any]]:
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
    if columns:
        statement = statement.group_by(*columns).order_by(*columns)
    rows = []
    for row in session.execute(statement):
        values = row._mapping
        if not values["notes"]:
            continue  # no matching note at all (an ungrouped count over nothing)
        group = {name: _plain(values[name]) for name in query.group_by}
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
    for name in ("bcu", "borough", "source"):
        value = getattr(query, name)
        if value is not None:
            filters.append(getattr(table, name) == value)
    return filters


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
