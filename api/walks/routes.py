"""/v1/walks: record walks, and read them with the themes of their notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AreaTable, CanIngest, CanReadCounts, Db, PiiRedactor
from api.notes.service import utc_naive
from api.validation import Moment, RowId
from api.walks import service
from api.walks.schemas import WalkIn, WalkOut, WalkPage

router = APIRouter(prefix="/v1/walks", tags=["walks"])


@router.post("", response_model=WalkOut, status_code=201)
def create_walk(
    body: WalkIn, db: Db, areas: AreaTable, redactor: PiiRedactor, caller: CanIngest
) -> WalkOut:
    """Record a walk; send its notes with `"walk": <id>`."""
    walk = service.create_walk(db, body, by=caller.name, areas=areas, detector=redactor.detector)
    return service.get_walk(db, walk.id)


@router.get("", response_model=WalkPage)
def list_walks(
    db: Db,
    _: CanReadCounts,
    bcu: str | None = None,
    borough: str | None = None,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> WalkPage:
    """Walks newest first, each with how many notes it brought and their themes."""
    walks = service.list_walks(
        db,
        bcu=bcu,
        borough=borough,
        start=utc_naive(start) if start else None,
        end=utc_naive(end) if end else None,
        limit=limit,
    )
    return WalkPage(walks=walks)


@router.get("/{walk_id}", response_model=WalkOut)
def read_walk(walk_id: RowId, db: Db, _: CanReadCounts) -> WalkOut:
    return service.get_walk(db, walk_id)
