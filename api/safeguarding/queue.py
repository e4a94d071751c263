"""The safeguarding queue: flagged notes, the most urgent unread first, and marking them read.

A person in the safeguarding role works down it. Reading a note records who,
when and what came of it; it never changes the note's themes or any count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.tables import Note
from api.errors import ConflictError, NotFoundError

Outcome = Literal["referred", "already_known", "no_further_action", "not_urgent"]


def flagged_notes(session: Session, *, limit: int, include_read: bool) -> list[Note]:
    """Unread flagged notes by score (highest first, then newest), then read ones if asked."""
    unread = _page(session, Note.safeguarding_read_at.is_(None), limit)
    if not include_read or len(unread) >= limit:
        return unread
    return unread + _page(session, Note.safeguarding_read_at.is_not(None), limit - len(unread))


def _page(session: Session, condition: object, limit: int) -> list[Note]:
    query = (
        select(Note)
        .where(Note.urgent.is_(True), condition)  # type: ignore[arg-type]
        .order_by(Note.urgent_score.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(session: Session) -> int:
    query = select(func.count()).where(Note.urgent.is_(True), Note.safeguarding_read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_read(session: Session, note_id: int, *, by: str, outcome: Outcome, now: datetime) -> Note:
    """Record that a person read a flagged note and what came of it; flush, do not commit."""
    note = session.scalar(select(Note).where(Note.id == note_id).with_for_update())
    if note is None or not note.urgent:
        raise NotFoundError(f"Note {note_id} is not in the safeguarding queue.")
    if note.safeguarding_read_at is not None:
        raise ConflictError(
            f"Note {note_id} was already read by {note.safeguarding_read_by} "
            f"({note.safeguarding_outcome})."
        )
    note.safeguarding_read_at, note.safeguarding_read_by = now, by
    note.safeguarding_outcome = outcome
    session.flush()
    return note
