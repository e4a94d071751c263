"""Re-tag every stored note with one model version, as a background job.

Two phases, so counts never show a half-done re-tag:
1. classify the stored (redacted) text and store the new predictions beside
   the current ones, in chunks of note ids that idle workers may claim too
   (api/jobs/chunks.py), committed batch by batch (progress is visible, and
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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Note, Prediction
from api.jobs import chunks
from api.jobs.context import JobContext, Work
from api.notes import repository
from api.reviews.priority import review_priority
from models.predict import Predictor

BATCH = 500  # notes switched per statement in phase 2
RECOUNT = 20  # batches between counts of what every worker has scored


@dataclass(frozen=True)
class Fresh:
    """A new prediction's id and the themes it gives."""

    prediction_id: int
    themes: list[str]
    scores: dict[str, float]


def retag_work(
    *,
    sessions: sessionmaker[Session],
    predictor: Predictor,
    job_id: int,
    owner: str,
    ask_for_help: Callable[[int], None] | None = None,
) -> Work:
    """Phase 1 in chunks (helped by idle workers where there is a queue), then phase 2."""

    def work(ctx: JobContext) -> dict[str, Any]:
        if earlier := chunks.scored(sessions, job_id):
            ctx.log(f"{earlier} notes were scored by an earlier attempt; scoring the rest")
        total = chunks.stored_notes(sessions)
        if chunks.plan(sessions, job_id) > 1 and ask_for_help is not None:
            ask_for_help(job_id)
        try:
            chunks.wait_for_all(
                sessions, predictor, job_id, owner, progress_of(ctx, sessions, total)
            )
        except Exception:
            _discard(sessions, job_id)
            raise
        fresh = _stored_by_job(sessions, job_id)
        ctx.progress("switching notes to the new predictions", 99, 100)
        changed = _switch(sessions, predictor, fresh)
        ctx.log(f"re-tagged {len(fresh)} notes with {predictor.version}; {changed} changed themes")
        return {"version": predictor.version, "notes": len(fresh), "changed": changed}

    return work


def progress_of(ctx: JobContext, sessions: sessionmaker[Session], total: int) -> chunks.Progress:
    """Report how many notes the job has scored, counting other workers' now and then.

    Counting the job's predictions after every batch would read them all each
    time; this adds what was scored here and recounts every `RECOUNT` batches.
    """
    done, batches = chunks.scored(sessions, ctx.job_id), 0

    def report(scored_now: int) -> None:
        nonlocal done, batches
        batches += 1
        done = chunks.scored(sessions, ctx.job_id) if batches % RECOUNT == 0 else done + scored_now
        ctx.progress(f"classified {done} of {total} notes", done, total + 1)

    return report


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
