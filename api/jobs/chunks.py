"""Split a re-tag into ranges of note ids that several workers score side by side.

The worker that runs a re-tag job plans its chunks (ranges of about `CHUNK`
note ids) once, then asks idle workers to help. Each worker claims one chunk
at a time with a conditional UPDATE and a lease, scores its notes in batches,
and marks it done; a chunk whose lease ran out (its worker died) is claimed
again, and the notes already scored in it are skipped. A unique index on
(job, note) in `predictions` makes "scored twice" impossible even if two
workers ever hold one chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import JobChunk, Note, Prediction
from models.predict import Predictor

CHUNK = 5000
BATCH = 500
LEASE_SECONDS = 20.0  # renewed after every batch of notes
Progress = Callable[[int], None]  # told how many notes were just scored


def plan(sessions: sessionmaker[Session], job_id: int) -> int:
    """The job's chunks, made from the stored notes' ids if not made yet; returns how many."""
    with sessions() as session, session.begin():
        made = session.scalar(select(func.count()).where(JobChunk.job_id == job_id))
        if made:
            return int(made)
        ids = list(session.scalars(select(Note.id).order_by(Note.id)))
        rows = [
            {
                "job_id": job_id,
                "chunk": number,
                "first_id": ids[start],
                "last_id": ids[min(start + CHUNK, len(ids)) - 1],
                "status": "todo",
            }
            for number, start in enumerate(range(0, len(ids), CHUNK))
        ]
        if rows:
            session.execute(insert(JobChunk), rows)
        return len(rows)


def work_through(
    sessions: sessionmaker[Session],
    predictor: Predictor,
    job_id: int,
    owner: str,
    progress: Progress,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Claim and score chunks until none is left to claim; returns the chunks done here."""
    done = 0
    while keep_going() and (claimed := _claim(sessions, job_id, owner)) is not None:
        _score(sessions, predictor, job_id, owner, claimed, progress)
        _set(sessions, job_id, claimed, owner, status="done", lease_until=None)
        done += 1
    return done


def wait_for_all(
    sessions: sessionmaker[Session],
    predictor: Predictor,
    job_id: int,
    owner: str,
    progress: Progress,
    poll_seconds: float = 0.5,
) -> None:
    """Until every chunk is done, taking over any whose worker has gone."""
    while True:
        work_through(sessions, predictor, job_id, owner, progress)
        with sessions() as session:
            left = session.scalar(
                select(func.count()).where(JobChunk.job_id == job_id, JobChunk.status != "done")
            )
        if not left:
            return
        time.sleep(poll_seconds)


def stored_notes(sessions: sessionmaker[Session]) -> int:
    """How many notes a re-tag has to score."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def scored(sessions: sessionmaker[Session], job_id: int) -> int:
    """Notes this job has stored a prediction for."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).where(Prediction.job_id == job_id)) or 0)


def _claim(sessions: sessionmaker[Session], job_id: int, owner: str) -> int | None:
    now = _now()
    claimable = or_(
        JobChunk.status == "todo",
        (JobChunk.status == "running") & (JobChunk.lease_until < now),
    )
    with sessions() as session:
        candidates = list(
            session.scalars(
                select(JobChunk.chunk)
                .where(JobChunk.job_id == job_id, claimable)
                .order_by(JobChunk.chunk)
                .limit(8)
            )
        )
    for chunk in candidates:
        with sessions() as session, session.begin():
            taken = session.execute(
                update(JobChunk)
                .where(JobChunk.job_id == job_id, JobChunk.chunk == chunk, claimable)
                .values(status="running", owner=owner, lease_until=_lease())
            )
        if taken.rowcount:  # type: ignore[attr-defined]
            return chunk
    return None


def _score(
    sessions: sessionmaker[Session],
    predictor: Predictor,
    job_id: int,
    owner: str,
    chunk: int,
    progress: Progress,
) -> None:
    with sessions() as session:
        found = session.get(JobChunk, (job_id, chunk))
        assert found is not None
        first, last = found.first_id, found.last_id
    while batch := _unscored(sessions, job_id, first, last):
        answers = predictor.classify([text for _, text in batch])
        now = _now()
        rows = [
            {
                "note_id": note_id,
                "model_version": predictor.version,
                "themes": answer.themes,
                "scores": answer.scores,
                "evidence": {k: [list(s) for s in v] for k, v in answer.evidence.items()},
                "evidence_source": "cues",
                "created_at": now,
                "job_id": job_id,
            }
            for (note_id, _), answer in zip(batch, answers, strict=True)
        ]
        try:
            with sessions() as session, session.begin():
                session.execute(insert(Prediction), rows)
        except IntegrityError:
            continue  # another worker stored some of these (or a note was erased): look again
        _set(sessions, job_id, chunk, owner, lease_until=_lease())
        progress(len(rows))


def _unscored(
    sessions: sessionmaker[Session], job_id: int, first: int, last: int
) -> list[tuple[int, str]]:
    done = exists().where(Prediction.job_id == job_id, Prediction.note_id == Note.id)
    with sessions() as session:
        rows = session.execute(
            select(Note.id, Note.text)
            .where(Note.id >= first, Note.id <= last, ~done)
            .order_by(Note.id)
            .limit(BATCH)
        ).all()
    return [(note_id, text) for note_id, text in rows]


def _set(
    sessions: sessionmaker[Session], job_id: int, chunk: int, owner: str, **values: object
) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(JobChunk)
            .where(JobChunk.job_id == job_id, JobChunk.chunk == chunk, JobChunk.owner == owner)
            .values(**values)
        )


def _lease() -> datetime:
    return _now() + timedelta(seconds=LEASE_SECONDS)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
