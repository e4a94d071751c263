"""/v1/classify: one or many texts in, themes, scores, evidence and version out."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import CanClassify, Model, PiiRedactor
from api.errors import InvalidRequestError
from api.notes.schemas import MAX_BATCH, PredictionOut
from nlp.normalise import normalise
from nlp.prepare import MAX_TEXT_CHARS, prepare_texts

router = APIRouter(prefix="/v1", tags=["classify"])
# Occlusion costs about three forward passes per word: model evidence is for the
# few notes a person will read. "auto" gives it to requests of up to AUTO_MODEL
# texts and cue evidence to larger (bulk) ones; "model" is refused past MAX_MODEL.
AUTO_MODEL = 16
MAX_MODEL = 100


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, max_length=MAX_BATCH)

    @field_validator("texts")
    @classmethod
    def _each_text(cls, texts: list[str]) -> list[str]:
        for i, text in enumerate(texts):
            if len(text) > MAX_TEXT_CHARS:
                raise ValueError(
                    f"texts[{i}] has {len(text)} characters; the limit is {MAX_TEXT_CHARS}"
                )
            if not normalise(text):
                raise ValueError(f"texts[{i}] is empty")
        return texts


class ClassifiedOut(PredictionOut):
    """A prediction and the prepared (normalised, redacted) text its evidence spans index."""

    text: str


class ClassifyOut(BaseModel):
    results: list[ClassifiedOut]


@router.post("/classify", response_model=ClassifyOut)
def classify(
    body: ClassifyIn,
    model: Model,
    redactor: PiiRedactor,
    _: CanClassify,
    evidence: Annotated[
        Literal["auto", "model", "cues"],
        Query(
            description="Evidence spans from the model itself (occlusion; costly), from the cue "
            f"lexicon, or auto: the model's for up to {AUTO_MODEL} texts, cues beyond."
        ),
    ] = "auto",
) -> ClassifyOut:
    """Classify texts with the active model, exactly as /v1/notes would; stores nothing."""
    if evidence == "model" and len(body.texts) > MAX_MODEL:
        raise InvalidRequestError(
            f"evidence=model is limited to {MAX_MODEL} texts a request (this one has "
            f"{len(body.texts)}); use evidence=cues for bulk classification."
        )
    if evidence == "auto":
        evidence = "model" if len(body.texts) <= AUTO_MODEL else "cues"
    prepared = prepare_texts(body.texts, redactor)
    predictions = model.current().classify([p.text for p in prepared], evidence=evidence)
    return ClassifyOut(
        results=[
            ClassifiedOut.model_validate({**asdict(prediction), "text": p.text})
            for prediction, p in zip(predictions, prepared, strict=True)
        ]
    )
