"""Bounds for path and query values, checked at the edge so a bad value is a 422, not a 500.

An id past the column's range, or a date that overflows when moved to UTC, used
to reach the database driver or `datetime` and fail there. Messages name the
field and the range, never the value sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

# Ids are PostgreSQL `integer` columns (SQLite's hold more, but one limit is simpler).
MAX_ROW_ID = 2**31 - 1
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A stored row's id.")]


def within_years(moment: datetime | None) -> datetime | None:
    """A time between 1900 and 2999 (UTC); naive times are taken to be UTC."""
    if moment is None:
        return None
    try:
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as err:
        raise ValueError("must be between the years 1900 and 2999") from err
    if not EARLIEST <= utc <= LATEST:
        raise ValueError("must be between the years 1900 and 2999")
    return moment


Moment = Annotated[datetime, AfterValidator(within_years)]


def utc_naive(moment: datetime) -> datetime:
    """Store every time as naive UTC; a naive input is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _as_utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC with a "Z": times are stored as naive UTC, and a time without an
    offset is not a valid JSON Schema date-time (clients would read it as local time)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


# A time in a response: always written in UTC with "Z".
UtcTime = Annotated[
    datetime,
    PlainSerializer(_as_utc_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
