"""What every theme classifier shares after its raw scores: calibration and thresholds.

A kind only has to say how it scores texts (`decision_function`: one log-odds
column per theme). Platt scaling per theme, fitted on held-out notes, turns
those into probabilities that mean what they say; a threshold per theme turns
probabilities into labels. Keeping that here means the TF-IDF kinds and the
fine-tuned transformer are calibrated, thresholded and checked the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from sklearn.linear_model import LogisticRegression

from models.errors import NotFittedError, ParameterError


class CalibratedThemes:
    """Mixin: needs `decision_function(texts)` and `theme_names_` once fitted."""

    theme_names_: tuple[str, ...]
    calibration_: np.ndarray
    thresholds_: np.ndarray

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def _reset_calibration(self, themes: int) -> None:
        self.calibration_ = np.tile(np.array([1.0, 0.0], dtype=np.float32), (themes, 1))
        self.thresholds_ = np.full(themes, 0.5, dtype=np.float32)

    def calibrate(self, texts: Sequence[str], Y: np.ndarray) -> Self:
        """Platt-scale each theme's score on held-out notes (not the training ones)."""
        Y = check_labels(texts, Y, self._fitted_names())
        return self.calibrate_scores(self.decision_function(texts), Y)

    def calibrate_scores(self, scores: np.ndarray, Y: np.ndarray) -> Self:
        """`calibrate` from scores already computed, so a caller that also needs
        the notes' probabilities scores them once (a transformer pass is slow)."""
        if scores.shape != Y.shape:
            raise ParameterError(f"Scores of shape {scores.shape} for labels of shape {Y.shape}.")
        for j in range(Y.shape[1]):
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(scores[:, [j]], Y[:, j])
            self.calibration_[j] = (platt.coef_[0, 0], platt.intercept_[0])
        return self

    def set_thresholds(self, thresholds: Sequence[float] | np.ndarray) -> Self:
        values = np.asarray(thresholds, dtype=np.float32)
        if values.shape != (len(self._fitted_names()),) or not ((values > 0) & (values < 1)).all():
            raise ParameterError(
                f"Expected {len(self._fitted_names())} thresholds strictly between 0 and 1, "
                f"got {list(map(float, values.ravel()))}."
            )
        self.thresholds_ = values
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability of each theme, shape (n, themes)."""
        return self.probabilities(self.decision_function(texts))

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Raw scores (`decision_function`) as calibrated probabilities."""
        slope, offset = self.calibration_[:, 0], self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(-(scores * slope + offset)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean label matrix: probability at or above each theme's threshold."""
        return self.predict_proba(texts) >= self.thresholds_

    def _fitted_names(self) -> tuple[str, ...]:
        names: tuple[str, ...] | None = getattr(self, "theme_names_", None)
        if names is None:
            raise NotFittedError(
                "This classifier is not fitted yet.", hint="Call fit() or load a saved model."
            )
        return names


def check_labels(texts: Sequence[str], Y: np.ndarray, theme_names: Sequence[str]) -> np.ndarray:
    """A 0/1 matrix of shape (texts, themes) with both classes in every column."""
    Y = np.asarray(Y)
    if Y.ndim != 2 or Y.shape != (len(texts), len(theme_names)):
        raise ParameterError(
            f"Expected a label matrix of shape ({len(texts)}, {len(theme_names)}) "
            f"(texts x themes), got {Y.shape}."
        )
    if not np.isin(Y, (0, 1)).all():
        raise ParameterError("The label matrix must hold only 0 and 1.")
    one_class = [name for j, name in enumerate(theme_names) if len(np.unique(Y[:, j])) < 2]
    if one_class:
        raise ParameterError(
            f"Each theme needs positive and negative examples; these have only one kind: {one_class}."
        )
    return Y.astype(int)
