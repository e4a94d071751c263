"""Recording walks and reading them back with the themes of their notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.tables import Note, NoteTheme, Walk
from api.errors import InvalidRequestError, NotFoundError
from api.notes.daylight import local_date
from api.validation import utc_naive
from api.walks.schemas import WalkIn, WalkOut
from nlp.areas import Areas
from nlp.pii import PiiDetector


def create_walk(
    session: Session, walk: WalkIn, *, by: str, areas: Areas, detector: PiiDetector
) -> Walk:
    """Check the area and that no route place holds personal data; store; flush."""
    _check_area(walk, areas)
    for i, spans in enumerate(detector.detect_many(walk.route)):  # one recogniser call
        if spans:
            raise InvalidRequestError(
                f"route.{i}: looks like it holds personal data; name the place, not a person "
                "or an address with a phone number, postcode or plate."
            )
    starts, ends = utc_naive(walk.starts_at), utc_naive(walk.ends_at)
    row = Walk(
        bcu=walk.bcu,
        borough=walk.borough,
        day=local_date(starts),
        starts_at=starts,
        ends_at=ends,
        route=walk.route,
        officers=walk.officers,
        participants=walk.participants,
        created_by=by,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(row)
    session.flush()
    return row


def _check_area(walk: WalkIn, areas: Areas) -> None:
    if walk.bcu not in areas.bcus:
        raise InvalidRequestError(f"bcu: is not a BCU; BCUs are {', '.join(areas.bcus)}.")
    if walk.borough is not None:
        if walk.borough not in areas.borough_bcu:
            raise InvalidRequestError("borough: is not a London borough or the City of London.")
        if areas.bcu_of(walk.borough) != walk.bcu:
            raise InvalidRequestError("borough: is not in that BCU.")


def known_walks(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of these walk ids exist (to refuse notes pointing at no walk)."""
    if not ids:
        return set()
    return set(session.scalars(select(Walk.id).where(Walk.id.in_(list(set(ids))))))


def list_walks(
    session: Session,
    *,
    bcu: str | None,
    borough: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[WalkOut]:
    """Walks newest first, each with its notes and notes per theme."""
    query = select(Walk).order_by(Walk.starts_at.desc(), Walk.id.desc()).limit(limit)
    if bcu is not None:
        query = query.where(Walk.bcu == bcu)
    if borough is not None:
        query = query.where(Walk.borough == borough)
    if start is not None:
        query = query.where(Walk.starts_at >= start)
    if end is not None:
        query = query.where(Walk.starts_at < end)
    walks = list(session.scalars(query))
    return _with_counts(session, walks)


def get_walk(session: Session, walk_id: int) -> WalkOut:
    walk = session.get(Walk, walk_id)
    if walk is None:
        raise NotFoundError(f"No walk {walk_id}.")
    return _with_counts(session, [walk])[0]


def _with_counts(session: Session, walks: list[Walk]) -> list[WalkOut]:
    ids = [w.id for w in walks]
    notes = dict(
        session.execute(
            select(Note.walk, func.count()).where(Note.walk.in_(ids)).group_by(Note.walk)
        ).all()
    )
    themes: dict[int, Counter[str]] = {i: Counter() for i in ids}
    rows = session.execute(
        select(NoteTheme.walk, NoteTheme.theme, func.count())
        .where(NoteTheme.walk.in_(ids))
        .group_by(NoteTheme.walk, NoteTheme.theme)
    )
    for walk_id, theme, count in rows:
        if walk_id is not None:
            themes[walk_id][theme] = int(count)
    return [
        WalkOut(
            id=w.id,
            bcu=w.bcu,
            borough=w.borough,
            day=w.day,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            route=w.route,
            officers=w.officers,
            participants=w.participants,
            notes=int(notes.get(w.id, 0)),
            themes=dict(sorted(themes[w.id].items())),
        )
        for w in walks
    ]
