"""Record a reviewer's labels for a note, and read a note's review history.

A review is appended, never updated; the note's effective themes become the
review's at once, in the same transaction, so counts switch immediately.

With second reviews switched on (`second_review_rate`), a share of notes goes to
a second reviewer after the first; if the two disagree, the note is `disputed`
and only an adjudicator (analyst or admin) may settle it. Statuses:

    None -> reviewed | awaiting_second -> agreed | disputed -> adjudicated

Any later review by an adjudicator is an adjudication; a later review by a
reviewer of a settled note is a plain correction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.db.tables import Note, Prediction, Review, ReviewLease
from api.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from api.notes import repository
from api.reviews.queue import Reviewer, holder


@dataclass(frozen=True)
class Outcome:
    """What a review did: the review row and the note's status after it."""

    review: Review
    status: str


def record_review(
    session: Session,
    *,
    note_id: int,
    reviewer: str | Reviewer,
    themes: Sequence[str],
    known_themes: Sequence[str],
    comment: str | None = None,
    second_review_rate: float = 0.0,
) -> Outcome:
    """Append a review, switch the note's effective themes, release its lease; flushes.

    `reviewer` is a name (a plain reviewer) or a `Reviewer` saying what they may do.
    """
    who = reviewer if isinstance(reviewer, Reviewer) else Reviewer(reviewer, True, False)
    check_themes(themes, known_themes)
    note = _locked_note(session, note_id)
    if note is None:
        raise NotFoundError(f"No note with id {note_id}.")
    now = _now()
    other = holder(session, note.id, now=now)
    if other is not None and other != who.name:
        raise ConflictError(f"Note {note_id} is being reviewed by someone else; take another.")
    kind, status = _transition(session, note, who, sorted(themes), second_review_rate)
    prediction = repository.prediction_of(session, note)
    review = Review(
        note_id=note.id,
        reviewer=who.name,
        themes_before=repository.effective_themes(session, [note.id])[note.id],
        themes=sorted(themes),
        model_version=prediction.model_version if prediction else None,
        predicted_themes=sorted(prediction.themes) if prediction else None,
        kind=kind,
        comment=comment,
        created_at=now,
    )
    session.add(review)
    note.review_status, note.suspect_label = status, False
    repository.set_effective_themes(session, note, review.themes)
    session.execute(delete(ReviewLease).where(ReviewLease.note_id == note.id))
    session.flush()
    return Outcome(review=review, status=status)


def _locked_note(session: Session, note_id: int) -> Note | None:
    """The note, with its row held by this transaction before anything about it is read.

    Two reviewers saving one note at once must not both read the same themes
    "before" and both move the counts from them. A no-op update as the first
    statement takes the row lock on PostgreSQL and the write lock on SQLite, so
    the second save waits for the first to commit and then reads what it wrote.
    """
    session.execute(update(Note).where(Note.id == note_id).values(review_status=Note.review_status))
    return session.get(Note, note_id, populate_existing=True)


def check_themes(themes: Sequence[str], known_themes: Sequence[str]) -> None:
    unknown = [t for t in themes if t not in known_themes]
    if unknown or len(set(themes)) != len(themes):
        raise InvalidRequestError(
            f"themes: give each of {', '.join(known_themes)} at most once; got {list(themes)}."
        )


def _transition(
    session: Session, note: Note, who: Reviewer, themes: list[str], rate: float
) -> tuple[str, str]:
    """(review kind, new status) for this reviewer labelling this note."""
    status = note.review_status
    if status == "disputed" and not who.adjudicates:
        raise ForbiddenError(
            f"Two reviews of note {note.id} disagree; an analyst or admin adjudicates it."
        )
    if not who.reviews and not (who.adjudicates and status == "disputed"):
        raise ForbiddenError("Your role adjudicates disputed notes only.")
    if status is not None and who.adjudicates and (status == "disputed" or not who.reviews):
        return "adjudication", "adjudicated"
    if status is None:
        return "review", "awaiting_second" if wants_second_review(note.id, rate) else "reviewed"
    if status == "awaiting_second":
        first = _latest_by_others(session, note.id, who.name)
        if first is None:
            return "review", "awaiting_second"  # the first reviewer corrects themselves
        return "review", "agreed" if sorted(first.themes) == themes else "disputed"
    return "review", "reviewed"


def wants_second_review(note_id: int, rate: float) -> bool:
    """A stable choice: the same note is always in or out for a given rate."""
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(f"second-review:{note_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < rate


def _latest_by_others(session: Session, note_id: int, name: str) -> Review | None:
    return session.scalars(
        select(Review)
        .where(Review.note_id == note_id, Review.reviewer != name)
        .order_by(Review.id.desc())
        .limit(1)
    ).first()


def history(session: Session, note_id: int) -> tuple[Note, list[Prediction], list[Review]]:
    """The note, every prediction made for it and every review, oldest first."""
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"No note with id {note_id}.")
    predictions = session.scalars(
        select(Prediction).where(Prediction.note_id == note_id).order_by(Prediction.id)
    )
    reviews = session.scalars(select(Review).where(Review.note_id == note_id).order_by(Review.id))
    return note, list(predictions), list(reviews)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
