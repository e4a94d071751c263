"""Record a reviewer's labels for a note (the routes and queue come with issue 6).

A review is appended, never updated; the note's effective themes become the
review's at once, in the same transaction, so counts switch immediately.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api.db.tables import Note, Review
from api.errors import InvalidRequestError, NotFoundError
from api.notes import repository


def record_review(
    session: Session,
    *,
    note_id: int,
    reviewer: str,
    themes: Sequence[str],
    known_themes: Sequence[str],
    comment: str | None = None,
) -> Review:
    unknown = [t for t in themes if t not in known_themes]
    if unknown or len(set(themes)) != len(themes):
        raise InvalidRequestError(
            f"themes: give each of {', '.join(known_themes)} at most once; got {list(themes)}."
        )
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"No note with id {note_id}.")
    prediction = repository.prediction_of(session, note)
    review = Review(
        note_id=note.id,
        reviewer=reviewer,
        themes_before=repository.effective_themes(session, [note.id])[note.id],
        themes=sorted(themes),
        model_version=prediction.model_version if prediction else None,
        comment=comment,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(review)
    note.reviewed = True
    repository.set_effective_themes(session, note, review.themes)
    session.flush()
    return review
