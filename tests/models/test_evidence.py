"""Evidence from the model (occlusion): spans exist for every predicted theme and matter to it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.classifier import ThemeClassifier
from models.evidence import MAX_SPANS, candidate_spans, strongest, without
from models.linear_evidence import word_shares
from models.predict import Predictor
from nlp.areas import Areas
from nlp.cues import build_lexicon
from nlp.resources import SEED_DIR
from nlp.taxonomy import Taxonomy
from training.dataset import label_matrix, model_text
from training.train import load_seed


@pytest.fixture(scope="module")
def seed_predictor(taxonomy: Taxonomy, areas: Areas) -> tuple[Predictor, list[str]]:
    seed = load_seed(SEED_DIR, taxonomy=taxonomy, areas=areas)
    texts = [model_text(n) for n in seed.train]
    model = ThemeClassifier(kind="linear", C=16.0)
    model.fit(texts, label_matrix(seed.train, taxonomy.names), theme_names=taxonomy.names)
    predictor = Predictor(model=model, lexicon=build_lexicon(taxonomy), version="seed-linear")
    return predictor, [model_text(n) for n in seed.test]


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_candidate_spans_are_words_or_runs_inside_the_text(text: str) -> None:
    for start, end in candidate_spans(text):
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]


def test_candidates_are_words_and_runs_of_two_and_three() -> None:
    text = "lamp is out [PERSON] said"
    spans = {text[s:e] for s, e in candidate_spans(text)}
    assert {"lamp", "[PERSON]", "out [PERSON]", "out [PERSON] said"} <= spans
    assert "lamp is out [PERSON]" not in spans  # four words
    assert not {"is", "lamp is", "is out [PERSON]"} & spans  # glue at an edge


def test_without_deletes_the_span_and_closes_the_gap() -> None:
    assert without("the lamp is out", (4, 8)) == "the is out"
    assert without("pitch black", (0, 5)) == "black"


def test_strongest_keeps_the_largest_drops_apart_and_merged() -> None:
    spans = [(0, 4), (5, 9), (0, 9), (20, 24), (30, 34), (40, 44)]
    drops = np.array([0.5, 0.1, 0.6, 0.4, 0.3, -0.2])
    assert strongest(spans, drops) == [(0, 9), (20, 24), (30, 34)]
    assert strongest(spans, -np.abs(drops)) == []
    assert len(strongest(spans * 3, np.tile(drops, 3))) <= MAX_SPANS


def test_every_predicted_theme_on_the_seed_test_split_has_evidence_that_matters(
    seed_predictor: tuple[Predictor, list[str]],
) -> None:
    predictor, texts = seed_predictor
    names = list(predictor.model.theme_names_)
    predictions = predictor.classify(texts, evidence="model")
    checked = 0
    for text, prediction in zip(texts, predictions, strict=True):
        assert prediction.evidence_source == "model"
        for theme in prediction.themes:
            spans = prediction.evidence[theme]
            assert spans, (theme, text)
            reduced = text
            for start, end in sorted(spans, reverse=True):
                reduced = without(reduced, (start, end))
            before = prediction.scores[theme]
            after = float(predictor.model.predict_proba([reduced])[0, names.index(theme)])
            assert after < before, (theme, text, spans)
            checked += 1
    assert checked > 300


def test_cue_evidence_stays_for_the_bulk_path(seed_predictor: tuple[Predictor, list[str]]) -> None:
    predictor, _ = seed_predictor
    (prediction,) = predictor.classify(["The street lamps are out on the towpath"])
    assert prediction.evidence_source == "cues"
    assert prediction.evidence["lighting"]


def test_linear_word_shares_add_up_to_the_score(
    seed_predictor: tuple[Predictor, list[str]],
) -> None:
    predictor, texts = seed_predictor
    model = predictor.model
    assert isinstance(model, ThemeClassifier)
    for text in texts[:40]:
        split = word_shares(model, text)
        assert split is not None
        words, shares = split
        assert len(words) == len(text.split())
        expected = model.decision_function([text])[0] - model.intercept_
        np.testing.assert_allclose(shares.sum(axis=0), expected, atol=1e-4)


def test_linear_evidence_picks_the_words_that_carry_the_theme(
    seed_predictor: tuple[Predictor, list[str]],
) -> None:
    predictor, _ = seed_predictor
    text = "The street lamps are out all along the towpath and it is pitch black"
    (prediction,) = predictor.classify([text], evidence="model")
    assert "lighting" in prediction.themes
    shown = " ".join(text[s:e] for s, e in prediction.evidence["lighting"]).lower()
    assert any(word in shown for word in ("lamps", "black", "pitch", "out"))
