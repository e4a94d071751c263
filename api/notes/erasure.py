"""Erase notes for good: a data subject's request, or the retention period running out.

A note is not gone while anything derived from it remains, so one transaction
takes away its predictions, reviews, lease, effective themes, any stored
idempotent answer that quotes it, and its share of the count cells (so counts
equal a rebuild afterwards), then the note, and writes an audit line per note:
which note, whose, why, who asked and when, never the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.counts import cells
from api.db.tables import (
    Erasure,
    Idempotency,
    Note,
    NoteTheme,
    Prediction,
    Review,
    ReviewLease,
)
from api.errors import NotFoundError
from api.notes import repository

BATCH = 500


def erase_matching(
    session: Session, *, note_id: int | None = None, external_id: str | None = None, by: str
) -> int:
    """A data subject's request: erase the note with that id, or every note with that
    external id (NotFoundError if none); flush, do not commit."""
    notes = find_for_erasure(session, note_id=note_id, external_id=external_id)
    return erase(session, notes, reason="request", by=by, now=_utc_now())


def erase(session: Session, notes: Sequence[Note], *, reason: str, by: str, now: datetime) -> int:
    """Erase the notes and everything derived from them; flush, do not commit."""
    if not notes:
        return 0
    ids = [note.id for note in notes]
    themes = repository.effective_themes(session, ids)
    cells.record(
        session,
        [cells.ThemeChange(n, before=themes[n.id], after=(), removed=True) for n in notes],
    )
    _forget_answers(session, notes)
    for table in (NoteTheme, ReviewLease, Review, Prediction):
        session.execute(delete(table).where(table.note_id.in_(ids)))
    session.add_all(
        Erasure(
            note_id=n.id,
            client=n.client,
            external_id=n.external_id,
            reason=reason,
            requested_by=by,
            erased_at=now,
        )
        for n in notes
    )
    session.execute(delete(Note).where(Note.id.in_(ids)))
    session.flush()
    return len(ids)


def find_for_erasure(
    session: Session, *, note_id: int | None = None, external_id: str | None = None
) -> list[Note]:
    """The note with that id, or every note with that external id; NotFoundError if none."""
    query = select(Note)
    if note_id is not None:
        query = query.where(Note.id == note_id)
    if external_id is not None:
        query = query.where(Note.external_id == external_id)
    notes = list(session.scalars(query))
    if not notes:
        raise NotFoundError("No note matches; nothing was erased.")
    return notes


def expire(session: Session, *, days: int, now: datetime) -> int:
    """Erase every note created more than `days` days before `now`, in batches; commit each."""
    cutoff = now - timedelta(days=days)
    total = 0
    while True:
        # Lock the batch before reading it (row locks on PostgreSQL, the write lock on
        # SQLite), so that two processes expiring at once never erase a note twice.
        batch_ids = select(Note.id).where(Note.created_at < cutoff).order_by(Note.id).limit(BATCH)
        session.execute(update(Note).where(Note.id.in_(batch_ids)).values(id=Note.id))
        batch = list(session.scalars(select(Note).where(Note.id.in_(batch_ids))))
        if not batch:
            session.commit()
            return total
        total += erase(session, batch, reason="retention", by="retention", now=now)
        session.commit()


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _forget_answers(session: Session, notes: Sequence[Note]) -> None:
    """Delete stored idempotent answers that quote any of the notes (they hold its text)."""
    ids = {note.id for note in notes}
    clients = {note.client for note in notes}
    rows = session.scalars(select(Idempotency).where(Idempotency.client.in_(clients)))
    stale = [
        row.id for row in rows if any(item.get("id") in ids for item in _notes_in(row.response))
    ]
    if stale:
        session.execute(delete(Idempotency).where(Idempotency.id.in_(stale)))


def _notes_in(response: object) -> list[dict[str, object]]:
    notes = response.get("notes") if isinstance(response, dict) else None
    return [item for item in notes if isinstance(item, dict)] if isinstance(notes, list) else []
