"""Find reviewed notes whose labels are probably wrong (confident learning, with cleanlab).

cleanlab needs each note's predicted probabilities from a model that never saw
that note. The notes are split into folds; each fold is scored by a linear model
trained on the seed training split plus the other folds. cleanlab then compares
those probabilities with the given labels, theme by theme, and flags the notes
whose labels the rest of the data contradicts most confidently. A flag is a
request for a second look, not a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from cleanlab.multilabel_classification.filter import find_label_issues
from cleanlab.multilabel_classification.rank import get_label_quality_scores

from models.classifier import ThemeClassifier
from training.dataset import label_matrix, model_text
from training.records import LabelledNote

FOLDS = 5
C = 16.0
MIN_NOTES = 10


@dataclass(frozen=True)
class LabelCheck:
    """One checked note: its quality score in [0, 1] (low = suspect) and whether it is flagged."""

    note_id: str
    quality: float
    flagged: bool


def check_labels(
    notes: Sequence[LabelledNote],
    background: Sequence[LabelledNote],
    theme_names: Sequence[str],
    *,
    folds: int = FOLDS,
    seed: int = 13,
) -> list[LabelCheck]:
    """Quality and flag for each note, in order; fewer than MIN_NOTES gives no flags."""
    if len(notes) < MIN_NOTES:
        return [LabelCheck(n.id, 1.0, False) for n in notes]
    probabilities = out_of_fold_probabilities(notes, background, theme_names, folds, seed)
    Y = label_matrix(notes, theme_names)
    labels = [list(np.flatnonzero(row)) for row in Y]
    quality = get_label_quality_scores(labels, probabilities)
    flagged = find_label_issues(labels, probabilities)
    return [
        LabelCheck(n.id, round(float(q), 4), bool(f))
        for n, q, f in zip(notes, quality, flagged, strict=True)
    ]


def out_of_fold_probabilities(
    notes: Sequence[LabelledNote],
    background: Sequence[LabelledNote],
    theme_names: Sequence[str],
    folds: int,
    seed: int,
) -> np.ndarray:
    """Each note's probabilities from a model trained without it."""
    order = np.random.default_rng(seed).permutation(len(notes))
    fold_of = np.empty(len(notes), dtype=int)
    fold_of[order] = np.arange(len(notes)) % folds
    result = np.zeros((len(notes), len(theme_names)))
    for fold in range(folds):
        held = np.flatnonzero(fold_of == fold)
        train = [*background, *(n for i, n in enumerate(notes) if fold_of[i] != fold)]
        model = ThemeClassifier(kind="linear", C=C).fit(
            [model_text(n) for n in train],
            label_matrix(train, theme_names),
            theme_names=theme_names,
        )
        result[held] = model.predict_proba([model_text(notes[int(i)]) for i in held])
    return result
