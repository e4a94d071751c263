"""/v1/safeguarding: the queue of flagged notes, for the safeguarding role and admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from api.db.tables import Note
from api.deps import CanSafeguard, Db
from api.notes import repository
from api.safeguarding.queue import Outcome, flagged_notes, mark_read, unread_count
from api.validation import RowId, UtcTime

router = APIRouter(prefix="/v1/safeguarding", tags=["safeguarding"])


class FlaggedNote(BaseModel):
    id: int
    text: str
    urgent_score: float | None
    flag_version: str | None
    created_at: UtcTime
    occurred_at: UtcTime | None
    source: str | None
    borough: str | None
    bcu: str | None
    themes: list[str]
    read_at: UtcTime | None
    read_by: str | None
    outcome: str | None


class FlaggedPage(BaseModel):
    notes: list[FlaggedNote]
    unread: int


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome


@router.get("/queue", response_model=FlaggedPage)
def queue(
    db: Db,
    _: CanSafeguard,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    include_read: bool = False,
) -> FlaggedPage:
    """Flagged notes, the most urgent unread first (read ones after, if asked)."""
    notes = flagged_notes(db, limit=limit, include_read=include_read)
    themes = repository.effective_themes(db, [n.id for n in notes])
    return FlaggedPage(
        notes=[_out(note, themes[note.id]) for note in notes], unread=unread_count(db)
    )


@router.post("/notes/{note_id}/read", response_model=FlaggedNote)
def read(note_id: RowId, body: ReadIn, db: Db, caller: CanSafeguard) -> FlaggedNote:
    """Record that you read a flagged note, and what came of it (once per note)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    note = mark_read(db, note_id, by=caller.name, outcome=body.outcome, now=now)
    return _out(note, repository.effective_themes(db, [note.id])[note.id])


def _out(note: Note, themes: list[str]) -> FlaggedNote:
    return FlaggedNote(
        id=note.id,
        text=note.text,
        urgent_score=note.urgent_score,
        flag_version=note.flag_version,
        created_at=note.created_at,
        occurred_at=note.occurred_at,
        source=note.source,
        borough=note.borough,
        bcu=note.bcu,
        themes=themes,
        read_at=note.safeguarding_read_at,
        read_by=note.safeguarding_read_by,
        outcome=note.safeguarding_outcome,
    )
