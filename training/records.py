"""The shape of one labelled note, as stored in JSON lines or CSV files.

This is the format analysts retrain with and the seed corpus ships in:

    {"id": "seed-00042", "text": "...", "themes": ["lighting"],
     "source": "officer", "borough": "Camden", "bcu": "Central North",
     "created_at": "2026-02-11T21:40:00", "pii": [{"start": 3, "end": 15,
     "label": "PERSON"}], "hard": ["negation"]}

Only `id`, `text` and `themes` are required; `pair` names a minimal pair. Unknown fields are refused, so that
a misspelt `theme` column is caught instead of being read as "no themes".
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nlp.prepare import MAX_TEXT_CHARS

Source = Literal["officer", "participant"]
PiiLabel = Literal["PERSON", "PHONE", "EMAIL", "POSTCODE", "VEHICLE_REG"]
HardCase = Literal[
    "negation",
    "resolved",
    "time_of_day",
    "alone_not_isolated",
    "presence_only",
    "station_as_place",
    "paraphrase",
    "reported_speech",
    "sarcasm",
    "mention_only",
    "private_vehicle",
    "outside_themes",
]


class PiiSpan(BaseModel):
    """A character span of the text that holds personal data, and its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0)
    end: int = Field(gt=0)
    label: PiiLabel

    @model_validator(mode="after")
    def _ordered(self) -> PiiSpan:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be after its start {self.start}")
        return self


class LabelledNote(BaseModel):
    """One labelled note. Themes are checked against a taxonomy separately."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    themes: tuple[str, ...]
    source: Source | None = None
    borough: str | None = None
    bcu: str | None = None
    created_at: datetime | None = None
    pii: tuple[PiiSpan, ...] = ()
    hard: tuple[HardCase, ...] = ()
    # A minimal pair: the two notes sharing this id differ by one edit that adds
    # or removes exactly one theme (so they are near-duplicates on purpose).
    pair: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the text is empty")
        return text

    @field_validator("themes")
    @classmethod
    def _no_repeats(cls, themes: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({theme for theme in themes if themes.count(theme) > 1})
        if repeated:
            raise ValueError(f"themes repeat {repeated}")
        return themes

    @field_validator("pii")
    @classmethod
    def _spans_fit(cls, pii: tuple[PiiSpan, ...], info: ValidationInfo) -> tuple[PiiSpan, ...]:
        text = info.data.get("text")
        if text is None:
            return pii
        spans = sorted(pii, key=lambda span: span.start)
        for span in spans:
            if span.end > len(text):
                raise ValueError(
                    f"PII span {span.start}-{span.end} ends past the text ({len(text)} characters)"
                )
        for before, after in itertools.pairwise(spans):
            if after.start < before.end:
                raise ValueError(
                    f"PII spans {before.start}-{before.end} and {after.start}-{after.end} overlap"
                )
        return pii
