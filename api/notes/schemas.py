"""Request and response bodies for notes."""

from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.validation import MAX_ROW_ID, Moment, UtcTime
from nlp.normalise import normalise
from training.records import MAX_TEXT_CHARS

MAX_BATCH = 1000
# Work one request may ask for: 1,000 texts of 10,000 characters would hold a worker
# for the better part of a minute (redaction reads every character), so a request's
# texts may hold at most this many characters in all; larger loads go in several.
MAX_REQUEST_CHARS = 1_000_000


def check_request_size(texts: list[str], field: str) -> None:
    """Refuse a batch whose texts hold more than MAX_REQUEST_CHARS characters in all."""
    total = sum(len(text) for text in texts)
    if total > MAX_REQUEST_CHARS:
        raise ValueError(
            f"the {field} hold {total:,} characters in all; one request may hold at most "
            f"{MAX_REQUEST_CHARS:,}: send them in several requests"
        )


class NoteIn(BaseModel):
    """One note to store. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    source: Literal["officer", "participant"] | None = None
    created_at: Moment | None = None
    occurred_at: Moment | None = Field(
        default=None,
        description="When what the note describes happened, if it says so; counts by hour "
        "and light use it (else created_at).",
    )
    borough: str | None = Field(default=None, max_length=60)
    bcu: str | None = Field(default=None, max_length=40)
    location: str | None = Field(default=None, max_length=300)
    walk_id: str | None = Field(default=None, max_length=100)
    walk: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="The id of a walk from POST /v1/walks."
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not normalise(text):
            raise ValueError("the text is empty")
        return text

    @field_validator("external_id", "borough", "bcu", "location", "walk_id")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        # A NUL cannot be stored by PostgreSQL; other control characters hide text in logs and CSV.
        if value is not None and any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ValueError("must not contain control characters (such as NUL, tab or newline)")
        return value


class NotesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notes: list[NoteIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _bounded(self) -> NotesIn:
        check_request_size([note.text for note in self.notes], "notes")
        return self


class PredictionOut(BaseModel):
    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[tuple[int, int]]]
    model: str
    evidence_source: Literal["model", "cues"] = "cues"


class NoteOut(BaseModel):
    """A stored note with its effective themes and the prediction behind them."""

    id: int
    external_id: str | None
    text: str | None = Field(
        description="The redacted text; null when withheld (see `text_withheld`)."
    )
    text_withheld: bool = Field(
        default=False,
        description="The note is flagged for safeguarding and the caller's role may not read it.",
    )
    urgent: bool = Field(
        default=False, description="Flagged for urgent reading by the safeguarding flag."
    )
    pii_types: list[str]
    source: str | None
    created_at: UtcTime
    received_at: UtcTime
    occurred_at: UtcTime | None = None
    hour: int | None = Field(default=None, description="London clock hour of the concern, 0-23.")
    light: Literal["daylight", "twilight", "dark"] | None = None
    borough: str | None
    bcu: str | None
    area_inferred: bool
    places: list[PlaceOut]
    location: str | None
    walk_id: str | None
    walk: int | None = None
    themes: list[str]
    labels_from: Literal["prediction", "review"]
    prediction: PredictionOut | None


class PlaceOut(BaseModel):
    """A place named in the (stored) text, and the borough it lies in."""

    start: int
    end: int
    name: str
    kind: str
    borough: str | None
    boroughs: list[str] = []  # every borough it lies in (older notes: empty)


class IngestedOut(BaseModel):
    """What was stored: the redacted text that evidence spans point into."""

    id: int
    external_id: str | None
    created: bool
    text: str
    pii_types: list[str]
    borough: str | None
    bcu: str | None
    area_inferred: bool
    places: list[PlaceOut]
    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[tuple[int, int]]]
    model: str


class IngestOut(BaseModel):
    notes: list[IngestedOut]


class NotePage(BaseModel):
    notes: list[NoteOut]
    next_cursor: str | None
