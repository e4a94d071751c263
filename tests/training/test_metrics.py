from __future__ import annotations

import numpy as np
import pytest

from training.metrics import expected_calibration_error, score, tune_thresholds


def test_perfect_predictions_score_one() -> None:
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    result = score(Y, Y.astype(float), np.array([0.5, 0.5]), ("a", "b"))
    assert result.macro_f1 == result.micro_f1 == result.exact_match == 1.0
    assert result.per_theme["a"].support == 2
    assert result.ece == 0.0


def test_scores_match_a_hand_count() -> None:
    Y = np.array([[1], [1], [0], [0]])
    P = np.array([[0.9], [0.2], [0.7], [0.1]])
    theme = score(Y, P, np.array([0.5]), ("a",)).per_theme["a"]
    assert (theme.precision, theme.recall, theme.f1) == (0.5, 0.5, 0.5)


def test_ece_of_a_confident_wrong_model_is_large() -> None:
    y = np.array([0, 0, 0, 0])
    assert expected_calibration_error(y, np.full(4, 0.95)) == pytest.approx(0.95)
    assert expected_calibration_error(y, np.full(4, 0.05)) == pytest.approx(0.05)


def test_tuned_threshold_separates_the_classes() -> None:
    Y = np.array([[1], [1], [0], [0], [0]])
    P = np.array([[0.35], [0.30], [0.2], [0.1], [0.05]])
    (threshold,) = tune_thresholds(Y, P)
    assert 0.2 < threshold <= 0.30
