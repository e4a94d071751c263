"""Re-tag every stored note with one model version, as a background job.

Two phases, so counts never show a half-done re-tag:
1. classify the stored (redacted) text in batches and store the new predictions
   beside the current ones, committed batch by batch (progress is visible, and
   nothing the counts read changes yet);
2. in one transaction, point every note at its new prediction and, for notes
   nobody has reviewed, make its themes the effective ones. Reviewed labels
   stay as they are.

Where the new version disagrees with the note's previous prediction, the note's
review priority goes up: two models disagreeing is where a review helps most.
If the job fails in phase 1, the predictions it stored are deleted again.

Safe to run again: each prediction carries the job's id, so a job taken over
from a worker that died keeps what was stored and scores only the rest, and
phase 2 sets the same pointers whether it runs once or twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Note, Prediction
from api.jobs.context import JobContext, Work
from api.notes import repository
from api.reviews.priority import review_priority
from models.predict import Predictor

BATCH = 500


@dataclass(frozen=True)
class Fresh:
    """A new prediction's id and the themes it gives."""

    prediction_id: int
    themes: list[str]
    scores: dict[str, float]


def retag_work(*, sessions: sessionmaker[Session], predictor: Predictor, job_id: int) -> Work:
    def work(ctx: JobContext) -> dict[str, Any]:
        fresh = _stored_by_job(sessions, job_id)
        if fresh:
            ctx.log(f"{len(fresh)} notes were scored by an earlier attempt; scoring the rest")
        try:
            _predict_all(ctx, sessions, predictor, fresh, job_id)
        except Exception:
            _discard(sessions, job_id)
            raise
        ctx.progress("switching notes to the new predictions", 99, 100)
        changed = _switch(sessions, predictor, fresh)
        ctx.log(f"re-tagged {len(fresh)} notes with {predictor.version}; {changed} changed themes")
        return {"version": predictor.version, "notes": len(fresh), "changed": changed}

    return work


def _predict_all(
    ctx: JobContext,
    sessions: sessionmaker[Session],
    predictor: Predictor,
    fresh: dict[int, Fresh],
    job_id: int,
) -> None:
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(Note)) or 0)
        ids = [i for i in session.scalars(select(Note.id).order_by(Note.id)) if i not in fresh]
    done = len(fresh)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with sessions() as session, session.begin():
            texts = dict(
                session.execute(select(Note.id, Note.text).where(Note.id.in_(chunk))).all()
            )
            answers = predictor.classify([texts[i] for i in chunk])
            now = datetime.now(UTC).replace(tzinfo=None)
            rows = [
                Prediction(
                    note_id=note_id,
                    model_version=predictor.version,
                    themes=answer.themes,
                    scores=answer.scores,
                    evidence={k: [list(s) for s in v] for k, v in answer.evidence.items()},
                    created_at=now,
                    job_id=job_id,
                )
                for note_id, answer in zip(chunk, answers, strict=True)
            ]
            session.add_all(rows)
            session.flush()
            for row in rows:
                fresh[row.note_id] = Fresh(row.id, row.themes, row.scores)
        done += len(chunk)
        ctx.progress(f"classified {done} of {total} notes", done, total + 1)


def _switch(sessions: sessionmaker[Session], predictor: Predictor, fresh: dict[int, Fresh]) -> int:
    """Point notes at their new predictions in one transaction; returns how many changed themes."""
    thresholds = predictor.thresholds
    changed = 0
    with sessions() as session, session.begin():
        ids = sorted(fresh)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            notes = session.scalars(select(Note).where(Note.id.in_(chunk)))
            old = _themes_of_predictions(session, chunk)
            unreviewed: list[tuple[Note, list[str]]] = []
            for note in notes:
                new = fresh[note.id]
                differs = old.get(note.id) is not None and old[note.id] != sorted(new.themes)
                changed += differs
                note.prediction_id = new.prediction_id
                note.review_priority = review_priority(new.scores, thresholds, disagreement=differs)
                if not note.reviewed:
                    unreviewed.append((note, new.themes))
            repository.set_effective_themes_many(session, unreviewed)
    return changed


def _themes_of_predictions(session: Session, note_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(Note.id, Prediction.themes)
        .join(Prediction, Prediction.id == Note.prediction_id)
        .where(Note.id.in_(note_ids))
    )
    return {note_id: sorted(themes) for note_id, themes in rows}


def _stored_by_job(sessions: sessionmaker[Session], job_id: int) -> dict[int, Fresh]:
    """Predictions an earlier attempt of this job stored, by note."""
    with sessions() as session:
        rows = session.execute(
            select(Prediction.note_id, Prediction.id, Prediction.themes, Prediction.scores).where(
                Prediction.job_id == job_id
            )
        )
        return {note_id: Fresh(pid, themes, scores) for note_id, pid, themes, scores in rows}


def _discard(sessions: sessionmaker[Session], job_id: int) -> None:
    """Delete the predictions a failed re-tag stored, unless a note already points at one."""
    with sessions() as session, session.begin():
        pointed = select(Note.prediction_id).where(Note.prediction_id.is_not(None))
        session.execute(
            delete(Prediction).where(Prediction.job_id == job_id, Prediction.id.not_in(pointed))
        )
