"""Classify texts with one model: themes, scores and evidence, as callers need them.

The CLI's `walktalk classify` and the API's `/v1/classify` both call
`Predictor.classify`, so a note gets the same answer whichever way it comes in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from models.evidence import occlusion_evidence
from models.linear_evidence import supports, word_share_evidence
from nlp.cues import CueLexicon, Span

if TYPE_CHECKING:  # the model classes pull in scikit-learn and torch: load them lazily
    from models.kinds import ThemeModel

# "model": occlusion by the model (costly; for notes a person reads), the cue
# lexicon only where occlusion finds nothing; "cues": the cue lexicon alone (bulk).
EvidenceSource = Literal["model", "cues"]


@dataclass(frozen=True)
class Prediction:
    """The outcome for one text: sorted themes, every theme's score, evidence."""

    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Span]]
    model: str
    evidence_source: EvidenceSource = "cues"


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

    def classify(
        self, texts: Sequence[str], *, evidence: EvidenceSource = "cues"
    ) -> list[Prediction]:
        """Predictions in input order; a batch gives the same answers as one by one."""
        names = self.model.theme_names_
        probabilities = self.model.predict_proba(texts)
        chosen = probabilities >= self.model.thresholds_
        picked = [
            sorted(name for name, pick in zip(names, picks, strict=True) if pick)
            for picks in chosen
        ]
        spans = (
            self.model_evidence(texts, picked)
            if evidence == "model"
            else [
                self.lexicon.evidence(text, themes)
                for text, themes in zip(texts, picked, strict=True)
            ]
        )
        return [
            Prediction(
                themes=themes,
                scores={name: round(float(p), 4) for name, p in zip(names, row, strict=True)},
                evidence=found,
                model=self.version,
                evidence_source=evidence,
            )
            for themes, row, found in zip(picked, probabilities, spans, strict=True)
        ]

    def model_evidence(
        self, texts: Sequence[str], themes: Sequence[Sequence[str]]
    ) -> list[dict[str, list[Span]]]:
        """The model's spans per predicted theme (word shares for `linear`, occlusion for the
        others); cue spans where those find none."""
        found = (
            word_share_evidence(self.model, texts, themes)
            if supports(self.model)
            else occlusion_evidence(self.model, texts, themes)
        )
        for text, spans in zip(texts, found, strict=True):
            for theme, theme_spans in spans.items():
                if not theme_spans:
                    spans[theme] = self.lexicon.spans(text, theme)
        return found
