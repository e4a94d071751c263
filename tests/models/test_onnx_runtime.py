"""Serving the transformer with ONNX Runtime: same function as PyTorch, saved and reloaded, checked."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from models.errors import ModelFormatError
from models.evidence import occlusion_evidence, without
from models.kinds import load_model
from models.registry import ModelRegistry
from models.transformer import TransformerClassifier
from tests.factories import THEMES, tiny_corpus
from tests.models.test_registry import card
from training.runtime_check import CheckSet, choose_runtime


@pytest.fixture(scope="module")
def fitted() -> TransformerClassifier:
    texts, labels = tiny_corpus()
    model = TransformerClassifier(epochs=8, learning_rate=2e-4, batch_size=8, seed=5)
    model.fit(texts, labels, theme_names=THEMES)
    model.set_thresholds([0.5] * len(THEMES))
    return model


@pytest.fixture(scope="module")
def graphs(fitted: TransformerClassifier) -> dict[str, bytes]:
    return fitted.export_runtimes()


def _copy(fitted: TransformerClassifier, tmp_path: Path) -> TransformerClassifier:
    fitted.save(tmp_path / "torch")
    copy = load_model(tmp_path / "torch")
    assert isinstance(copy, TransformerClassifier)
    return copy


def _served_int8(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> TransformerClassifier:
    model = _copy(fitted, tmp_path)
    model.use_runtime("onnx-int8", graphs["onnx-int8"])
    return model


def test_fp32_graph_computes_what_torch_computes(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    model = _copy(fitted, tmp_path)
    expected = model.decision_function(texts)
    model.use_runtime("onnx-fp32", graphs["onnx-fp32"])
    np.testing.assert_allclose(model.decision_function(texts), expected, atol=1e-4)


def test_int8_graph_is_smaller_and_still_learns_the_tiny_set(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    assert len(graphs["onnx-int8"]) < len(graphs["onnx-fp32"]) / 2
    texts, labels = tiny_corpus()
    model = _served_int8(fitted, graphs, tmp_path)
    assert (model.predict(texts) == labels.astype(bool)).mean() >= 0.9


def test_a_note_gets_the_same_scores_alone_or_in_any_batch(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    texts = texts * 5  # more than one batch, lengths interleaved
    model = _served_int8(fitted, graphs, tmp_path)
    batch = model.decision_function(texts)
    single = np.vstack([model.decision_function([text]) for text in texts])
    np.testing.assert_array_equal(batch, single)  # int8 scales never depend on neighbours


def test_saved_onnx_model_reloads_without_loading_torch_weights(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    model = _served_int8(fitted, graphs, tmp_path)
    model.save(tmp_path / "served")
    loaded = load_model(tmp_path / "served")
    assert isinstance(loaded, TransformerClassifier)
    assert loaded.runtime_ == "onnx-int8"
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert "encoder_" not in loaded.__dict__  # one copy of the model in memory, not two


def test_the_registry_gives_served_models_the_threads_it_was_told(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    model = _served_int8(fitted, graphs, tmp_path)
    ModelRegistry(tmp_path / "models").register(model, card(0.9), version="v1", markdown="# v1")
    every_core = ModelRegistry(tmp_path / "models").load("v1")
    one = ModelRegistry(tmp_path / "models", threads=1).load("v1")
    assert isinstance(every_core, TransformerClassifier)
    assert isinstance(one, TransformerClassifier)
    assert every_core.onnx_logits_.threads == (os.cpu_count() or 1)
    assert one.onnx_logits_.threads == 1
    assert one.onnx_logits_.alone is one.onnx_logits_.session  # no second session on one thread
    np.testing.assert_array_equal(one.predict_proba(texts), every_core.predict_proba(texts))
    np.testing.assert_array_equal(one.predict_proba(texts[:1]), every_core.predict_proba(texts[:1]))


def test_a_served_folder_without_its_graph_is_refused(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    model = _copy(fitted, tmp_path)
    model.use_runtime("onnx-fp32", graphs["onnx-fp32"])
    model.save(tmp_path / "served")
    (tmp_path / "served" / "model.onnx").unlink()
    with pytest.raises(ModelFormatError, match=r"no model\.onnx"):
        load_model(tmp_path / "served")


def test_unknown_runtime_is_refused(fitted: TransformerClassifier) -> None:
    with pytest.raises(ValueError, match="Unknown runtime"):
        fitted.use_runtime("tensorrt")


def test_runtime_check_reports_figures_and_falls_back_when_int8_disagrees(
    fitted: TransformerClassifier, tmp_path: Path
) -> None:
    texts, labels = tiny_corpus()
    sets = {"ood": CheckSet(texts, labels)}
    model = _copy(fitted, tmp_path)
    report = choose_runtime(model, sets)
    assert report["runtime"] == model.runtime_ != "torch"
    figures = report["sets"]["ood"]  # type: ignore[index]
    assert 0.0 <= figures["decision_agreement"] <= 1.0
    strict = _copy(fitted, tmp_path)
    refused = choose_runtime(strict, sets, min_agreement=1.01)  # no graph can pass this
    assert refused["int8_accepted"] is False
    assert strict.runtime_ == "onnx-fp32"


def test_occlusion_evidence_from_the_served_graph_matters_to_each_theme(
    fitted: TransformerClassifier, graphs: dict[str, bytes], tmp_path: Path
) -> None:
    texts, _ = tiny_corpus()
    model = _served_int8(fitted, graphs, tmp_path)
    names = list(model.theme_names_)
    picked = [[n for n, p in zip(names, row, strict=True) if p] for row in model.predict(texts)]
    found = occlusion_evidence(model, texts, picked)
    for text, themes, spans in zip(texts, picked, found, strict=True):
        for theme in themes:
            assert spans[theme], (theme, text)
            reduced = text
            for span in sorted(spans[theme], reverse=True):
                reduced = without(reduced, span)
            column = names.index(theme)
            assert (
                model.predict_proba([reduced])[0, column] < model.predict_proba([text])[0, column]
            )
