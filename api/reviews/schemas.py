"""Request and response bodies for the review queue, labels, history and stats."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.notes.schemas import PredictionOut
from api.validation import UtcTime

MAX_COMMENT_CHARS = 2000


class LabelsIn(BaseModel):
    """A reviewer's themes for a note (zero or more) and an optional comment."""

    model_config = ConfigDict(extra="forbid")

    themes: list[str] = Field(max_length=50)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class ReviewOut(BaseModel):
    id: int
    reviewer: str
    kind: str
    themes_before: list[str]
    themes: list[str]
    predicted_themes: list[str] | None
    model_version: str | None
    comment: str | None
    created_at: UtcTime


class LabelsOut(BaseModel):
    note_id: int
    themes: list[str]
    status: str
    review: ReviewOut


class QueueItem(BaseModel):
    """A note to review: its redacted text, what the model said and why it is here."""

    id: int
    text: str
    source: str | None
    borough: str | None
    bcu: str | None
    created_at: UtcTime
    themes: list[str]
    status: str | None
    prediction: PredictionOut | None
    reason: str
    lease_expires_at: UtcTime


class QueueOut(BaseModel):
    items: list[QueueItem]
    remaining: int
    lease_seconds: int


class PredictionRecord(BaseModel):
    id: int
    model_version: str
    themes: list[str]
    scores: dict[str, float]
    created_at: UtcTime
    current: bool


class HistoryOut(BaseModel):
    note_id: int
    status: str | None
    themes: list[str]
    predictions: list[PredictionRecord]
    reviews: list[ReviewOut]


StatsOut = dict[str, Any]
