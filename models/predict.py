"""Classify texts with one model: themes, scores and evidence, as callers need them.

The CLI's `walktalk classify` and the API's `/v1/classify` both call
`Predictor.classify`, so a note gets the same answer whichever way it comes in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.kinds import ThemeModel
from nlp.cues import CueLexicon, Span


@dataclass(frozen=True)
class Prediction:
    """The outcome for one text: sorted themes, every theme's score, evidence."""

    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Span]]
    model: str


@dataclass(frozen=True)
class Predictor:
    """A loaded model, the cue lexicon for evidence, and the version it answers for."""

    model: ThemeModel
    lexicon: CueLexicon
    version: str

    @property
    def thresholds(self) -> dict[str, float]:
        """Each theme's decision threshold (a score at or above it picks the theme)."""
        names, values = self.model.theme_names_, self.model.thresholds_
        return {name: float(value) for name, value in zip(names, values, strict=True)}

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Predictions in input order; a batch gives the same answers as one by one."""
        names = self.model.theme_names_
        probabilities = self.model.predict_proba(texts)
        chosen = probabilities >= self.model.thresholds_
        predictions = []
        for text, row, picks in zip(texts, probabilities, chosen, strict=True):
            themes = sorted(name for name, pick in zip(names, picks, strict=True) if pick)
            predictions.append(
                Prediction(
                    themes=themes,
                    scores={name: round(float(p), 4) for name, p in zip(names, row, strict=True)},
                    evidence=self.lexicon.evidence(text, themes),
                    model=self.version,
                )
            )
        return predictions
