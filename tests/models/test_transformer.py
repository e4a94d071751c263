"""The fine-tuned transformer: learns a tiny set, round-trips, is deterministic, batch == single."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from models.errors import ModelFormatError, NotFittedError
from models.evidence import occlusion_evidence
from models.kinds import load_model
from models.transformer import TransformerClassifier
from models.windows import split_into_windows
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


def test_bf16_and_fp32_fine_tuning_both_learn_but_compute_differently() -> None:
    """bf16 is applied where asked (the weights differ from fp32's) and still learns."""
    texts, labels = tiny_corpus()
    logits = {}
    for precision in ("bf16", "fp32"):
        model = TransformerClassifier(
            epochs=8, learning_rate=2e-4, batch_size=8, seed=13, precision=precision
        ).fit(texts, labels, theme_names=THEMES)
        assert model.training_precision_ == precision
        assert model.get_params()["precision"] == precision
        assert (model.predict(texts) == labels.astype(bool)).mean() >= 0.95
        logits[precision] = model.decision_function(texts)
    assert not np.allclose(logits["bf16"], logits["fp32"], atol=1e-3)


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


def test_a_concern_beyond_the_first_window_is_read(fitted: TransformerClassifier) -> None:
    filler = " ".join(["Lovely walk, thank you to the officers."] * 20)  # about 200 tokens
    note = filler + " The street lamps on Elm Road are all broken."
    lighting = THEMES.index("lighting")
    windowed = fitted.decision_function([note])[0, lighting]
    first_128_tokens = fitted._window_logits([note])[0, lighting]  # the encoder's own cut
    assert windowed > first_128_tokens + 0.5
    assert windowed > fitted.decision_function([filler])[0, lighting] + 0.5


def test_a_long_note_trains_through_its_best_window(fitted: TransformerClassifier) -> None:
    filler = " ".join(["Lovely walk, thank you to the officers."] * 20)
    short = ["Path through the park is pitch black at night"]
    with torch.no_grad():
        long_logits = fitted._note_logits([filler + " " + short[0], short[0]])
        alone = fitted._logits(short)
        windows, _ = split_into_windows(
            [filler + " " + short[0]], fitted.tokenizer_, 128, 64, overlap=False
        )
        best = fitted._logits(windows).amax(dim=0)
    assert len(windows) > 2
    torch.testing.assert_close(long_logits[0], best)
    torch.testing.assert_close(long_logits[1], alone[0])


def test_only_each_themes_highest_window_of_a_long_note_is_run_to_learn_from(
    fitted: TransformerClassifier,
) -> None:
    filler = " ".join(["Lovely walk, thank you to the officers."] * 50)
    texts = [filler + " The path through the park is pitch black at night", "Dark lane"]
    windows, owners = split_into_windows(texts, fitted.tokenizer_, 128, 64, overlap=False)
    kept = fitted._highest_windows(windows, owners)
    scores = fitted._window_logits(windows[:-1])
    assert kept == [*sorted(set(scores.argmax(axis=0).tolist())), len(windows) - 1]
    assert len(windows) > 6
    assert len(kept) <= 5  # at most one per theme, and the short note
    assert not fitted.encoder_.training  # left in the mode it was in


def test_evidence_for_a_long_note_is_found_in_the_window_that_scored_it(
    fitted: TransformerClassifier,
) -> None:
    filler = " ".join(["Lovely walk, thank you to the officers."] * 25)  # beyond 120 words
    concern = "The street lamps on Elm Road are all broken."
    note = f"{filler} {concern} {filler}"
    lighting = THEMES.index("lighting")
    start, end = fitted.theme_windows(note)[lighting]
    assert start <= note.index(concern)
    assert note.index(concern) + len(concern) <= end
    spans = occlusion_evidence(fitted, [note], [["lighting"]])[0]["lighting"]
    assert spans
    assert all(start <= a and b <= end for a, b in spans)
    at = note.index(concern)
    assert any(at <= a and b <= at + len(concern) for a, b in spans)
    assert fitted.theme_windows(concern) == [(0, len(concern))] * len(THEMES)


def test_long_notes_go_in_smaller_batches_and_every_note_once_an_epoch() -> None:
    model = TransformerClassifier(batch_size=8, batch_windows=12)
    filler = " ".join(["Lovely walk, thank you to the officers."] * 20)  # 3 windows of 64
    texts = [f"Short note {i} about the park" for i in range(30)]
    texts += [f"{filler} Note {i}: the lamps are out." for i in range(10)]
    sizes = [len(spans) for spans in model._training_windows(texts)]
    assert sizes[:30] == [1] * 30
    assert min(sizes[30:]) >= 3
    batches = model._batches(texts, sizes, random.Random(1))
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    for batch in batches:
        assert len(batch) <= 8
        assert len(batch) == 1 or sum(sizes[i] for i in batch) <= 12
    assert any(len(batch) == 8 for batch in batches)  # short notes still fill a batch
