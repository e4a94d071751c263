"""/v1/notes: ingest, read one, list."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from api.deps import (
    AppSettings,
    AreaTable,
    CanEraseNotes,
    CanIngest,
    CanReadNotes,
    Db,
    Model,
    PiiRedactor,
    SafeguardingFlag,
    Themes,
    WorkBudget,
)
from api.errors import InvalidRequestError
from api.idempotency import body_hash, run_once
from api.notes import erasure, service
from api.notes.daylight import Light
from api.notes.schemas import IngestOut, NoteOut, NotePage, NotesIn
from api.validation import MAX_ROW_ID, Moment, RowId

router = APIRouter(prefix="/v1/notes", tags=["notes"])


@router.post("", response_model=IngestOut, status_code=201)
def ingest_notes(
    body: NotesIn,
    response: Response,
    db: Db,
    model: Model,
    areas: AreaTable,
    redactor: PiiRedactor,
    flagger: SafeguardingFlag,
    settings: AppSettings,
    caller: CanIngest,
    budget: WorkBudget,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> IngestOut:
    """Classify and store notes; the same external id or Idempotency-Key never stores twice."""
    budget([note.text for note in body.notes])

    def work() -> tuple[int, dict[str, Any]]:
        results = service.ingest(
            db,
            client=caller.name,
            notes=body.notes,
            predictor=model.current(),
            areas=areas,
            redactor=redactor,
            flagger=flagger,
            keep_original=settings.store_original_text,
        )
        status = 201 if any(r.created for r in results) else 200
        return status, IngestOut(notes=results).model_dump(mode="json")

    if idempotency_key is None:
        status, answer = work()
    else:
        status, answer = run_once(
            db,
            client=caller.name,
            key=idempotency_key,
            request_hash=body_hash(body.model_dump(mode="json")),
            work=work,
        )
    response.status_code = status
    return IngestOut.model_validate(answer)


@router.delete("/{note_id}", status_code=204)
def erase_note(note_id: RowId, db: Db, caller: CanEraseNotes) -> Response:
    """Erase a note and everything derived from it, for a data subject's request."""
    erasure.erase_matching(db, note_id=note_id, by=caller.name)
    return Response(status_code=204)


@router.get("/{note_id}", response_model=NoteOut)
def read_note(note_id: RowId, db: Db, model: Model, caller: CanReadNotes) -> NoteOut:
    """One stored note with its effective themes and prediction (evidence from the model)."""
    return service.visible_to(caller, service.get_note(db, note_id, model.current()))


@router.get("", response_model=NotePage)
def list_notes(
    db: Db,
    themes: Themes,
    caller: CanReadNotes,
    source: Literal["officer", "participant"] | None = None,
    borough: str | None = None,
    bcu: str | None = None,
    theme: str | None = None,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    light: Light | None = None,
    hour: Annotated[int | None, Query(ge=0, le=23, description="London hour, 0-23.")] = None,
    walk: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> NotePage:
    """Notes newest first, filtered; follow `next_cursor` for the next page."""
    if theme is not None and theme not in themes.names:
        raise InvalidRequestError(f"theme: is not a theme; themes are {', '.join(themes.names)}")
    page = service.list_notes(
        db,
        limit=limit,
        cursor=cursor,
        source=source,
        borough=borough,
        bcu=bcu,
        theme=theme,
        start=service.utc_naive(start) if start else None,
        end=service.utc_naive(end) if end else None,
        light=light,
        hour=hour,
        walk=walk,
    )
    return page.model_copy(update={"notes": [service.visible_to(caller, n) for n in page.notes]})
