from __future__ import annotations

import pytest

from training.agreement import agreement_per_theme, disagreements

THEMES = ("lighting", "harassment")


def test_identical_labels_agree_perfectly() -> None:
    labels = {"a": ["lighting"], "b": [], "c": ["harassment", "lighting"]}
    result = agreement_per_theme(labels, labels, THEMES)
    assert [r.kappa for r in result] == [1.0, 1.0]
    assert disagreements(labels, labels) == []


def test_kappa_matches_a_hand_computed_table() -> None:
    # lighting: both 2, first only 1, second only 1, neither 4 -> po 0.75, pe 0.5625+...
    first = {str(i): ["lighting"] if i in (0, 1, 2) else [] for i in range(8)}
    second = {str(i): ["lighting"] if i in (0, 1, 3) else [] for i in range(8)}
    (lighting, _) = agreement_per_theme(first, second, THEMES)
    # po = 6/8; pe = (3/8)^2 + (5/8)^2 = 34/64; kappa = (48/64 - 34/64) / (30/64) = 14/30
    assert lighting.kappa == pytest.approx(14 / 30, abs=1e-3)
    assert (lighting.both, lighting.first_only, lighting.second_only, lighting.neither) == (
        2,
        1,
        1,
        4,
    )
    assert disagreements(first, second) == ["2", "3"]


def test_only_shared_ids_count_and_none_shared_is_an_error() -> None:
    with pytest.raises(ValueError, match="no note id in common"):
        agreement_per_theme({"a": []}, {"b": []}, THEMES)
