"""The fine-tuned transformer: learns a tiny set, round-trips, is deterministic, batch == single."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.errors import ModelFormatError, NotFittedError
from models.kinds import load_model
from models.transformer import TransformerClassifier
from tests.factories import THEMES, tiny_corpus


def _fit(seed: int = 13) -> TransformerClassifier:
    texts, labels = tiny_corpus()
    return TransformerClassifier(epochs=8, learning_rate=2e-4, batch_size=8, seed=seed).fit(
        texts, labels, theme_names=THEMES
    )


@pytest.fixture(scope="module")
def fitted() -> TransformerClassifier:
    return _fit()


def test_learns_a_tiny_set(fitted: TransformerClassifier) -> None:
    texts, labels = tiny_corpus()
    assert (fitted.predict(texts) == labels.astype(bool)).mean() >= 0.95


def test_save_then_load_gives_identical_probabilities(
    fitted: TransformerClassifier, tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    fitted.set_thresholds([0.3, 0.4, 0.5, 0.6])
    fitted.save(tmp_path)
    loaded = load_model(tmp_path)
    assert isinstance(loaded, TransformerClassifier)
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    np.testing.assert_allclose(loaded.thresholds_, [0.3, 0.4, 0.5, 0.6])
    assert (tmp_path / "encoder" / "model.safetensors").exists()
    assert (tmp_path / "encoder" / "tokenizer.json").exists()
    assert not list(tmp_path.rglob("*.pkl"))
    assert not list(tmp_path.rglob("*.bin"))


def test_batch_and_single_predictions_agree(fitted: TransformerClassifier) -> None:
    texts, _ = tiny_corpus()
    batch = fitted.predict_proba(texts)
    single = np.vstack([fitted.predict_proba([text]) for text in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)


def test_the_same_seed_gives_the_same_model(fitted: TransformerClassifier) -> None:
    texts, _ = tiny_corpus()
    again = _fit()
    np.testing.assert_allclose(
        again.decision_function(texts), fitted.decision_function(texts), atol=1e-5
    )


def test_predicting_before_fitting_is_a_clear_error() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        TransformerClassifier().predict_proba(["dark path"])


def test_a_folder_without_weights_is_refused(fitted: TransformerClassifier, tmp_path: Path) -> None:
    fitted.save(tmp_path)
    (tmp_path / "encoder" / "model.safetensors").unlink()
    with pytest.raises(ModelFormatError, match="No tuned encoder weights"):
        load_model(tmp_path)


def test_fewer_layers_are_tuned_saved_and_reloaded_as_such(tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    model = TransformerClassifier(
        epochs=8, learning_rate=2e-4, batch_size=8, seed=13, layers=2
    ).fit(texts, labels, theme_names=THEMES)
    assert len(model.encoder_.encoder.layer) == 2
    model.save(tmp_path)
    loaded = load_model(tmp_path)
    assert isinstance(loaded, TransformerClassifier)
    assert loaded.layers == 2
    assert len(loaded.encoder_.encoder.layer) == 2
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))


def test_layers_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        _ = TransformerClassifier(layers=0).encoder_
