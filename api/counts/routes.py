"""/v1/counts: JSON by default, CSV by `format=csv` or `Accept: text/csv`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from api.counts.service import GROUPS, CountQuery, Period, as_csv, as_json, count
from api.deps import AreaTable, CanReadCounts, Db, Themes
from api.errors import InvalidRequestError
from api.notes.daylight import Light
from api.notes.service import utc_naive
from api.validation import MAX_ROW_ID, Moment

router = APIRouter(prefix="/v1", tags=["counts"])


@router.get("/counts", response_model=None)
def counts(
    db: Db,
    taxonomy: Themes,
    areas: AreaTable,
    _: CanReadCounts,
    group_by: Annotated[
        str,
        Query(
            description="Comma-separated: theme, bcu, borough, source, period, hour, light, walk"
        ),
    ] = "theme",
    period: Period = "month",
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    theme: Annotated[list[str] | None, Query()] = None,
    bcu: str | None = None,
    borough: str | None = None,
    source: Literal["officer", "participant"] | None = None,
    light: Annotated[
        Light | None, Query(description="Daylight, civil twilight or dark over London.")
    ] = None,
    hour_from: Annotated[
        int | None, Query(ge=0, le=23, description="First London hour counted (0-23).")
    ] = None,
    hour_to: Annotated[
        int | None,
        Query(ge=0, le=23, description="Last London hour counted; below hour_from wraps midnight."),
    ] = None,
    walk: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="Only the notes of this walk.")
    ] = None,
    format: Literal["json", "csv"] | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> dict[str, Any] | Response:
    """Counts of notes per effective theme, grouped and filtered."""
    query = CountQuery(
        group_by=_groups(group_by),
        period=period,
        start=utc_naive(start) if start else None,
        end=utc_naive(end) if end else None,
        themes=tuple(_themes(theme or [], taxonomy.names)),
        bcu=_member("bcu", bcu, areas.bcus),
        borough=_member("borough", borough, areas.boroughs),
        source=source,
        light=light,
        hour_from=hour_from,
        hour_to=hour_to,
        walk=walk,
    )
    if query.start and query.end and query.start >= query.end:
        raise InvalidRequestError("from: must be before 'to'.")
    result = count(db, query)
    if format == "csv" or (format is None and accept is not None and "text/csv" in accept):
        return Response(as_csv(result), media_type="text/csv; charset=utf-8")
    return as_json(result)


def _groups(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [n for n in names if n not in GROUPS]
    if unknown or len(set(names)) != len(names):
        raise InvalidRequestError(
            f"group_by: use each of {', '.join(GROUPS)} at most once; got '{value}'."
        )
    return names


def _themes(values: list[str], known: tuple[str, ...]) -> list[str]:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidRequestError(
            f"theme: {len(unknown)} value(s) are not themes; themes are {', '.join(known)}."
        )
    return values


def _member(name: str, value: str | None, known: tuple[str, ...]) -> str | None:
    if value is not None and value not in known:
        raise InvalidRequestError(f"{name}: is not known; expected one of {', '.join(known)}.")
    return value
