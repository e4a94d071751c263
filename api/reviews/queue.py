"""The review queue: hand each reviewer the notes where a review helps most.

A note handed out is leased to that reviewer until the lease expires, so two
reviewers never work on the same note at once. The lease is a row keyed by the
note: a second reviewer's insert for the same note fails, so the guarantee holds
on SQLite and PostgreSQL alike, whatever the isolation level (the loser picks
again). On PostgreSQL the candidates are also read `FOR UPDATE SKIP LOCKED`, so
reviewers asking at the same moment pass each other's picks by instead of
colliding on them. Expired leases are deleted before each hand-out.

Who sees what:
- notes not yet reviewed, most useful first (`review_priority`);
- notes awaiting a second review, to anyone but their first reviewer;
- reviewed notes whose labels a label check found suspect, to reviewers;
- notes whose two reviews disagree, to adjudicators (analyst, admin) only,
  before anything else.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db.tables import Note, Review, ReviewLease
from api.errors import ConflictError, NotFoundError

ATTEMPTS = 5


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

    Flushes; the request's commit makes the leases visible to other reviewers.
    If another reviewer leased one of the same notes first, the flush fails on
    the lease's key: the transaction (which holds nothing else yet) is rolled
    back and the pick is tried again.
    """
    for _ in range(ATTEMPTS):
        try:
            leased = _lease_once(session, who, limit=limit, lease_seconds=lease_seconds, now=now)
            session.flush()
            return leased
        except IntegrityError:
            session.rollback()  # another reviewer took one of these notes: pick again
            time.sleep(random.uniform(0.0, 0.05))
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
    fresh: list[Note] = []
    for tier in tiers(who):
        wanted = limit - len(held) - len(fresh)
        if wanted <= 0:
            break
        taken = [n.id for n in fresh]
        query = (
            select(Note)
            .where(tier, not_leased(), Note.id.not_in(taken))
            .order_by(Note.review_priority.desc(), Note.id.desc())
            .limit(wanted)
            .with_for_update(skip_locked=True, of=Note)
        )
        fresh += session.scalars(query)
    session.add_all(ReviewLease(note_id=n.id, reviewer=who.name, expires_at=expires) for n in fresh)
    session.flush()
    kept: list[Note] = []
    if held:
        mine = [lease.note_id for lease in held]
        kept = list(session.scalars(select(Note).where(Note.id.in_(mine)).order_by(Note.id)))
    return [(note, expires) for note in kept + fresh]


def remaining(session: Session, who: Reviewer, *, now: datetime) -> int:
    """Notes this caller could still be given, counting the ones they hold now.

    The tiers do not overlap, so this is the sum of one indexed count per tier,
    less the (few) live leases others hold on eligible notes: no lease lookup
    for every eligible note.
    """
    everything = sum(
        int(session.scalar(select(func.count()).select_from(Note).where(tier)) or 0)
        for tier in tiers(who)
    )
    held_by_others = session.scalar(
        select(func.count())
        .select_from(ReviewLease)
        .join(Note, Note.id == ReviewLease.note_id)
        .where(ReviewLease.reviewer != who.name, ReviewLease.expires_at > now, eligible(who))
    )
    return everything - int(held_by_others or 0)


def release(session: Session, note_id: int, reviewer: str) -> None:
    """Give a note back to the queue (skip)."""
    lease = session.get(ReviewLease, note_id)
    if lease is None or lease.reviewer != reviewer:
        raise NotFoundError(f"You hold no lease on note {note_id}.")
    session.delete(lease)
    session.flush()


def holder(session: Session, note_id: int, *, now: datetime) -> str | None:
    """The reviewer holding a live lease on a note, if any."""
    lease = session.get(ReviewLease, note_id)
    return lease.reviewer if lease is not None and lease.expires_at > now else None


def tiers(who: Reviewer) -> list[ColumnElement[bool]]:
    """What this caller may be handed, most urgent kind first.

    Disputes block a note's labels, so adjudicators get them first; then labels a
    label check found suspect, then second reviews, then notes nobody reviewed.
    Each tier is its own query ordered by priority, so each can use the index on
    (review_status, review_priority) instead of sorting every eligible note.
    """
    reviewed_by_them = exists(
        select(Review.id).where(Review.note_id == Note.id, Review.reviewer == who.name)
    )
    found: list[ColumnElement[bool]] = []
    if who.adjudicates:
        found.append(Note.review_status == "disputed")
    if who.reviews:
        # Not disputed (adjudicators have it) nor awaiting a second review (the
        # tier below has it): the tiers never overlap, so their counts add up.
        found.append(
            and_(Note.suspect_label, Note.review_status.not_in(["disputed", "awaiting_second"]))
        )
        found.append(and_(Note.review_status == "awaiting_second", ~reviewed_by_them))
        found.append(Note.review_status.is_(None))
    # Never a note flagged for safeguarding: its text is for the safeguarding
    # queue's readers only (its themes still count as predicted).
    return [and_(tier, Note.urgent.is_(False)) for tier in found]


def eligible(who: Reviewer) -> ColumnElement[bool]:
    """The notes this caller may be handed, whatever the leases."""
    found = tiers(who)
    return or_(*found) if found else Note.id.is_(None)


def not_leased() -> ColumnElement[bool]:
    """No lease row for the note (expired ones were deleted just before)."""
    return ~exists(select(ReviewLease.note_id).where(ReviewLease.note_id == Note.id))
