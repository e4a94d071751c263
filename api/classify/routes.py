"""/v1/classify: one or many texts in, themes, scores, evidence and version out."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import CanClassify, Model, PiiRedactor, WorkBudget
from api.errors import InvalidRequestError
from api.notes.schemas import MAX_BATCH, PredictionOut, check_request_size
from nlp.normalise import normalise
from nlp.prepare import MAX_TEXT_CHARS, prepare_and_classify

router = APIRouter(prefix="/v1", tags=["classify"])
# Occlusion costs about three forward passes per word: model evidence is for the
# few notes a person will read, asked for with evidence=model, and refused past
# MAX_MODEL texts. Services classifying in bulk get cue evidence, at full speed.
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
        check_request_size(texts, "texts")
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
    budget: WorkBudget,
    evidence: Annotated[
        Literal["cues", "model"],
        Query(
            description="Evidence spans from the cue lexicon (fast), or from the model itself "
            f"(occlusion: about 0.3 s a note for the transformer; at most {MAX_MODEL} texts)."
        ),
    ] = "cues",
) -> ClassifyOut:
    """Classify texts with the active model, exactly as /v1/notes would; stores nothing."""
    if evidence == "model" and len(body.texts) > MAX_MODEL:
        raise InvalidRequestError(
            f"evidence=model is limited to {MAX_MODEL} texts a request (this one has "
            f"{len(body.texts)}); use evidence=cues for bulk classification."
        )
    budget(body.texts)
    predictor = model.current()
    prepared, predictions = prepare_and_classify(
        body.texts, redactor, lambda texts: predictor.classify(texts, evidence=evidence)
    )
    return ClassifyOut(
        results=[
            ClassifiedOut.model_validate({**asdict(prediction), "text": p.text})
            for prediction, p in zip(predictions, prepared, strict=True)
        ]
    )
