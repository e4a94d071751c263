"""Every kind: overfits a tiny set, round-trips through save/load, batch == single."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.classifier import ThemeClassifier
from models.errors import ModelFormatError, NotFittedError, ParameterError
from tests.factories import THEMES, tiny_corpus

KINDS = ["linear", "encoder", "hybrid"]


@pytest.fixture(scope="module", params=KINDS)
def fitted(request: pytest.FixtureRequest) -> ThemeClassifier:
    texts, labels = tiny_corpus()
    return ThemeClassifier(kind=request.param, C=100.0).fit(texts, labels, theme_names=THEMES)


def test_overfits_a_tiny_set(fitted: ThemeClassifier) -> None:
    texts, labels = tiny_corpus()
    assert (fitted.predict(texts) == labels.astype(bool)).all()


def test_save_then_load_gives_identical_probabilities(
    fitted: ThemeClassifier, tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    fitted.save(tmp_path)
    loaded = ThemeClassifier.load(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    assert loaded.theme_names_ == THEMES
    assert not list(tmp_path.glob("*.pkl"))


def test_batch_and_single_predictions_agree(fitted: ThemeClassifier) -> None:
    texts, _ = tiny_corpus()
    batch = fitted.predict_proba(texts)
    single = np.vstack([fitted.predict_proba([text]) for text in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)


def test_thresholds_round_trip(fitted: ThemeClassifier, tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    model = ThemeClassifier(kind="linear", C=100.0).fit(texts, labels, theme_names=THEMES)
    model.set_thresholds([0.2, 0.3, 0.4, 0.6])
    model.save(tmp_path)
    np.testing.assert_allclose(ThemeClassifier.load(tmp_path).thresholds_, [0.2, 0.3, 0.4, 0.6])


def test_calibration_round_trips_and_changes_scores(tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    model = ThemeClassifier(kind="linear", C=1.0).fit(texts, labels, theme_names=THEMES)
    before = model.predict_proba(texts)
    model.calibrate(texts, labels)
    after = model.predict_proba(texts)
    assert not np.allclose(before, after)
    model.save(tmp_path)
    np.testing.assert_allclose(ThemeClassifier.load(tmp_path).predict_proba(texts), after)


def test_calibrating_from_scores_matches_calibrating_from_texts() -> None:
    texts, labels = tiny_corpus()
    from_texts = ThemeClassifier(kind="linear", C=1.0).fit(texts, labels, theme_names=THEMES)
    from_scores = ThemeClassifier(kind="linear", C=1.0).fit(texts, labels, theme_names=THEMES)
    scores = from_scores.decision_function(texts)
    probabilities = from_scores.calibrate_scores(scores, labels).probabilities(scores)
    from_texts.calibrate(texts, labels)
    np.testing.assert_allclose(probabilities, from_texts.predict_proba(texts))
    with pytest.raises(ParameterError, match="Scores of shape"):
        from_scores.calibrate_scores(scores[:-1], labels)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        ThemeClassifier().predict_proba(["dark path"])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.zeros((3, 4), dtype=int), r"shape \(24, 4\)"),
        (np.full((24, 4), 2), "only 0 and 1"),
        (np.zeros((24, 4), dtype=int), "only one kind"),
    ],
)
def test_bad_label_matrix_says_what_was_expected(labels: np.ndarray, message: str) -> None:
    texts, _ = tiny_corpus()
    with pytest.raises(ParameterError, match=message):
        ThemeClassifier().fit(texts, labels, theme_names=THEMES)


def test_unknown_kind_is_refused() -> None:
    texts, labels = tiny_corpus()
    with pytest.raises(ParameterError, match="kind must be one of"):
        ThemeClassifier(kind="forest").fit(texts, labels, theme_names=THEMES)


def test_bad_thresholds_are_refused() -> None:
    texts, labels = tiny_corpus()
    model = ThemeClassifier().fit(texts, labels, theme_names=THEMES)
    with pytest.raises(ParameterError, match="4 thresholds strictly between 0 and 1"):
        model.set_thresholds([0.5, 1.0, 0.5, 0.5])


def test_loading_refuses_other_formats_and_missing_files(tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    ThemeClassifier().fit(texts, labels, theme_names=THEMES).save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "format_version": 99}))
    with pytest.raises(ModelFormatError, match="format 99"):
        ThemeClassifier.load(tmp_path)
    with pytest.raises(ModelFormatError, match="is this a model folder"):
        ThemeClassifier.load(tmp_path / "nowhere")


def test_saved_model_holds_no_pickle(tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    ThemeClassifier().fit(texts, labels, theme_names=THEMES).save(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "char_idf.safetensors",
        "char_vocabulary.json",
        "config.json",
        "head.safetensors",
        "word_idf.safetensors",
        "word_vocabulary.json",
    ]
