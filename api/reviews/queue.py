"""The review queue: hand each reviewer the notes where a review helps most.

A note handed out is leased to that reviewer until the lease expires, so two
reviewers never work on the same note at once. The lease is a row keyed by the
note: a second reviewer's insert for the same note fails, so the guarantee holds
on SQLite and PostgreSQL alike, whatever the isolation level. Expired leases
are deleted before each hand-out.

Who sees what:
- notes not yet reviewed, most useful first (`review_priority`);
- notes awaiting a second review, to anyone but their first reviewer;
- reviewed notes whose labels a label check found suspect, to reviewers;
- notes whose two reviews disagree, to adjudicators (analyst, admin) only,
  before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db.tables import Note, Review, ReviewLease
from api.errors import ConflictError, NotFoundError

ATTEMPTS = 3


@dataclass(frozen=True)
class Reviewer:
    """Who asks, and what they may be given."""

    name: str
    reviews: bool
    adjudicates: bool


def lease_next(
    session: Session, who: Reviewer, *, limit: int, lease_seconds: int, now: datetime
) -> list[tuple[Note, datetime]]:
    """Up to `limit` notes leased to `who`: the ones they already hold first, then new ones.

    Commits, so the leases are visible to other reviewers at once.
    """
    for _ in range(ATTEMPTS):
        try:
            leased = _lease_once(session, who, limit=limit, lease_seconds=lease_seconds, now=now)
            session.commit()
            return leased
        except IntegrityError:
            session.rollback()  # another reviewer took one of these notes: pick again
    raise ConflictError("The review queue is busy; ask again in a moment.")


def _lease_once(
    session: Session, who: Reviewer, *, limit: int, lease_seconds: int, now: datetime
) -> list[tuple[Note, datetime]]:
    session.execute(delete(ReviewLease).where(ReviewLease.expires_at <= now))
    expires = now + timedelta(seconds=lease_seconds)
    held = list(
        session.scalars(
            select(ReviewLease)
            .where(ReviewLease.reviewer == who.name)
            .order_by(ReviewLease.note_id)
            .limit(limit)
        )
    )
    for lease in held:
        lease.expires_at = expires  # asking again renews what you hold
    free = not_leased()
    query = (
        select(Note)
        .where(eligible(who), free)
        .order_by(_urgency(), Note.review_priority.desc(), Note.id)
        .limit(limit - len(held))
    )
    fresh = list(session.scalars(query)) if len(held) < limit else []
    session.add_all(ReviewLease(note_id=n.id, reviewer=who.name, expires_at=expires) for n in fresh)
    session.flush()
    notes = [session.get(Note, lease.note_id) for lease in held] + fresh
    return [(note, expires) for note in notes if note is not None]


def remaining(session: Session, who: Reviewer, *, now: datetime) -> int:
    """Notes this caller could still be given, counting the ones they hold now."""
    lease = select(ReviewLease.note_id).where(
        ReviewLease.note_id == Note.id,
        ReviewLease.reviewer != who.name,
        ReviewLease.expires_at > now,
    )
    total = session.scalar(select(func.count()).where(eligible(who), ~exists(lease)))
    return int(total or 0)


def release(session: Session, note_id: int, reviewer: str) -> None:
    """Give a note back to the queue (skip)."""
    lease = session.get(ReviewLease, note_id)
    if lease is None or lease.reviewer != reviewer:
        raise NotFoundError(f"You hold no lease on note {note_id}.")
    session.delete(lease)
    session.commit()


def holder(session: Session, note_id: int, *, now: datetime) -> str | None:
    """The reviewer holding a live lease on a note, if any."""
    lease = session.get(ReviewLease, note_id)
    return lease.reviewer if lease is not None and lease.expires_at > now else None


def eligible(who: Reviewer) -> ColumnElement[bool]:
    """The notes this caller may be handed, whatever the leases."""
    reviewed_by_them = exists(
        select(Review.id).where(Review.note_id == Note.id, Review.reviewer == who.name)
    )
    options: list[ColumnElement[bool]] = []
    if who.reviews:
        options.append(Note.review_status.is_(None))
        options.append(and_(Note.review_status == "awaiting_second", ~reviewed_by_them))
        options.append(and_(Note.suspect_label.is_(True), Note.review_status != "disputed"))
    if who.adjudicates:
        options.append(Note.review_status == "disputed")
    return or_(*options) if options else Note.id.is_(None)


def not_leased() -> ColumnElement[bool]:
    """No lease row for the note (expired ones were deleted just before)."""
    return ~exists(select(ReviewLease.note_id).where(ReviewLease.note_id == Note.id))


def _urgency() -> ColumnElement[int]:
    """Disputes block a note's labels, so they come first; then suspect labels."""
    return case((Note.review_status == "disputed", 0), (Note.suspect_label.is_(True), 1), else_=2)
