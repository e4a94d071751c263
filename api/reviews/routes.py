"""/v1/review/*, PUT /v1/notes/{id}/labels and GET /v1/notes/{id}/history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.auth.keys import Principal
from api.auth.roles import Permission, allowed
from api.db.tables import Note, Prediction, Review
from api.deps import AppSettings, Caller, CanReadNotes, Db, Model, PiiRedactor, Themes
from api.errors import ForbiddenError
from api.notes import repository
from api.notes.explain import explain
from api.notes.service import prediction_out
from api.reviews import queue, service
from api.reviews.priority import queue_reason
from api.reviews.schemas import (
    HistoryOut,
    LabelsIn,
    LabelsOut,
    PredictionRecord,
    QueueItem,
    QueueOut,
    ReviewOut,
)
from api.reviews.stats import review_stats
from api.validation import RowId
from nlp.normalise import normalise

router = APIRouter(tags=["review"])


def reviewer_of(caller: Principal) -> queue.Reviewer:
    """What the caller may do in review; 403 for roles that take no part in it."""
    who = queue.Reviewer(
        name=caller.name,
        reviews=allowed(caller.role, Permission.review),
        adjudicates=allowed(caller.role, Permission.adjudicate),
    )
    if not (who.reviews or who.adjudicates):
        raise ForbiddenError(f"The role '{caller.role}' takes no part in review.")
    return who


@router.get("/v1/review/queue", response_model=QueueOut)
def review_queue(
    db: Db,
    model: Model,
    settings: AppSettings,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> QueueOut:
    """Notes to review, most useful first, each leased to the caller for a while."""
    who = reviewer_of(caller)
    now = _now()
    leased = queue.lease_next(
        db, who, limit=limit, lease_seconds=settings.review_lease_seconds, now=now
    )
    predictor = model.current()
    thresholds = predictor.thresholds
    notes = [note for note, _ in leased]
    themes = repository.effective_themes(db, [note.id for note in notes])
    predictions = repository.predictions_of(db, notes)
    explain(db, predictor, [(note, predictions.get(note.id)) for note in notes])
    items = [
        _item(note, expires, themes[note.id], predictions.get(note.id), thresholds)
        for note, expires in leased
    ]
    return QueueOut(
        items=items,
        remaining=queue.remaining(db, who, now=now),
        lease_seconds=settings.review_lease_seconds,
    )


@router.delete("/v1/review/queue/{note_id}", status_code=204)
def skip_note(note_id: RowId, db: Db, caller: Caller) -> Response:
    """Give a leased note back to the queue without reviewing it."""
    queue.release(db, note_id, reviewer_of(caller).name)
    return Response(status_code=204)


@router.put("/v1/notes/{note_id}/labels", response_model=LabelsOut)
def set_labels(
    note_id: RowId,
    body: LabelsIn,
    db: Db,
    taxonomy: Themes,
    settings: AppSettings,
    redactor: PiiRedactor,
    caller: Caller,
) -> LabelsOut:
    """Correct a note's themes; counts use them at once. Appends to the note's history.

    The comment is free text too, so it is redacted like a note before it is stored.
    A note flagged for safeguarding is labelled only by those who may read it.
    """
    flagged = db.scalar(select(Note.urgent).where(Note.id == note_id))
    if flagged and not allowed(caller.role, Permission.read_safeguarding):
        raise ForbiddenError(
            f"Note {note_id} is flagged for safeguarding: only the safeguarding role and "
            "admins may read or label it."
        )
    comment = normalise(body.comment) if body.comment else ""
    outcome = service.record_review(
        db,
        note_id=note_id,
        reviewer=reviewer_of(caller),
        themes=body.themes,
        known_themes=taxonomy.names,
        comment=redactor.redact_many([comment])[0].text if comment else None,
        second_review_rate=settings.second_review_rate,
    )
    return LabelsOut(
        note_id=note_id,
        themes=outcome.review.themes,
        status=outcome.status,
        review=_review_out(outcome.review),
    )


@router.get("/v1/notes/{note_id}/history", response_model=HistoryOut)
def note_history(note_id: RowId, db: Db, _: CanReadNotes) -> HistoryOut:
    """Every prediction and review of a note, oldest first."""
    note, predictions, reviews = service.history(db, note_id)
    return HistoryOut(
        note_id=note.id,
        status=note.review_status,
        themes=repository.effective_themes(db, [note.id])[note.id],
        predictions=[
            PredictionRecord(
                id=p.id,
                model_version=p.model_version,
                themes=p.themes,
                scores=p.scores,
                created_at=p.created_at,
                current=p.id == note.prediction_id,
            )
            for p in predictions
        ],
        reviews=[_review_out(r) for r in reviews],
    )


@router.get("/v1/review/stats")
def stats(db: Db, taxonomy: Themes, caller: Caller) -> dict[str, Any]:
    """Review counts and per-theme agreement (Cohen's kappa) between reviewers and with the model."""
    if not (reviewer_of(caller).reviews or allowed(caller.role, Permission.manage_models)):
        raise ForbiddenError(f"The role '{caller.role}' may not read review statistics.")
    return review_stats(db, taxonomy.names)


def _item(
    note: Note,
    expires: datetime,
    themes: list[str],
    prediction: Prediction | None,
    thresholds: dict[str, float],
) -> QueueItem:
    return QueueItem(
        id=note.id,
        text=note.text,
        source=note.source,
        borough=note.borough,
        bcu=note.bcu,
        created_at=note.created_at,
        themes=themes,
        status=note.review_status,
        prediction=prediction_out(prediction),
        reason=queue_reason(note, prediction.scores if prediction else {}, thresholds),
        lease_expires_at=expires,
    )


def _review_out(review: Review) -> ReviewOut:
    return ReviewOut.model_validate(review, from_attributes=True)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
