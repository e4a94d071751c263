"""/v1/classify: one or many texts in, themes, scores, evidence and version out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import CanClassify, Model
from api.notes.schemas import MAX_BATCH, PredictionOut
from training.records import MAX_TEXT_CHARS

router = APIRouter(prefix="/v1", tags=["classify"])


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, max_length=MAX_BATCH)

    @field_validator("texts")
    @classmethod
    def _each_text(cls, texts: list[str]) -> list[str]:
        for i, text in enumerate(texts):
            if not text.strip():
                raise ValueError(f"texts[{i}] is empty")
            if len(text) > MAX_TEXT_CHARS:
                raise ValueError(
                    f"texts[{i}] has {len(text)} characters; the limit is {MAX_TEXT_CHARS}"
                )
        return texts


class ClassifyOut(BaseModel):
    results: list[PredictionOut]


@router.post("/classify", response_model=ClassifyOut)
def classify(body: ClassifyIn, model: Model, _: CanClassify) -> ClassifyOut:
    """Classify texts with the active model; stores nothing."""
    predictions = model.current().classify(body.texts)
    return ClassifyOut(results=[PredictionOut.model_validate(asdict(p)) for p in predictions])
