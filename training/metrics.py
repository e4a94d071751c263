"""Scores for multi-label predictions: per theme, overall, and calibration.

Macro-F1 weighs every theme alike (a rare theme matters as much as a common
one); micro-F1 weighs every decision alike; exact match asks for the whole set
of themes to be right. Expected calibration error (ECE) says how far a stated
probability is from the observed frequency: a reviewer reading "0.9" should be
right about nine times in ten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support


@dataclass(frozen=True)
class ThemeScores:
    """Precision, recall, F1, support and ECE of one theme."""

    precision: float
    recall: float
    f1: float
    support: int
    ece: float


@dataclass(frozen=True)
class Scores:
    """All the figures an evaluation reports for one set of notes."""

    notes: int
    per_theme: dict[str, ThemeScores]
    micro_f1: float
    macro_f1: float
    exact_match: float
    ece: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> float:
    """Weighted mean gap between confidence and accuracy over equal-width bins."""
    if len(y) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return float(total / len(y))


def score(
    Y: np.ndarray, P: np.ndarray, thresholds: np.ndarray, theme_names: Sequence[str]
) -> Scores:
    """Score probabilities P against the true label matrix Y at the given thresholds."""
    predicted = thresholds <= P
    precision, recall, f1, support = precision_recall_fscore_support(
        Y, predicted, average=None, zero_division=0.0
    )
    per_theme = {
        name: ThemeScores(
            precision=round(float(precision[j]), 4),
            recall=round(float(recall[j]), 4),
            f1=round(float(f1[j]), 4),
            support=int(support[j]),
            ece=round(expected_calibration_error(Y[:, j], P[:, j]), 4),
        )
        for j, name in enumerate(theme_names)
    }
    return Scores(
        notes=len(Y),
        per_theme=per_theme,
        micro_f1=round(float(f1_score(Y, predicted, average="micro", zero_division=0.0)), 4),
        macro_f1=round(float(np.mean(f1)), 4),
        exact_match=round(
            float((predicted == Y.astype(bool)).all(axis=1).mean()) if len(Y) else 0.0, 4
        ),
        ece=round(expected_calibration_error(Y.ravel(), P.ravel()), 4),
    )


def tune_thresholds(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per theme, the threshold on a 0.05..0.95 grid with the best F1 on these notes.

    Ties go to the threshold closest to 0.5, so a flat stretch of the curve does
    not push the decision to an extreme that held-out data will not support.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    chosen = []
    for j in range(Y.shape[1]):
        f1s = [f1_score(Y[:, j], P[:, j] >= t, zero_division=0.0) for t in grid]
        best = max(f1s)
        candidates = [t for t, f in zip(grid, f1s, strict=True) if f >= best - 1e-9]
        chosen.append(min(candidates, key=lambda t: abs(t - 0.5)))
    return np.asarray(chosen, dtype=np.float32)
