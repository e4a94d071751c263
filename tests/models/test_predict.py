from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.classifier import ThemeClassifier
from models.predict import Predictor
from nlp.cues import build_lexicon
from nlp.taxonomy import Taxonomy
from tests.factories import THEMES, tiny_corpus


@pytest.fixture(scope="module")
def predictor(taxonomy: Taxonomy) -> Predictor:
    texts, labels = tiny_corpus()
    model = ThemeClassifier(C=100.0).fit(texts, labels, theme_names=THEMES)
    return Predictor(model=model, lexicon=build_lexicon(taxonomy), version="tiny")


def test_prediction_carries_sorted_themes_all_scores_evidence_and_version(
    predictor: Predictor,
) -> None:
    (prediction,) = predictor.classify(["A man stared at me the whole way on the bus"])
    assert prediction.themes == ["harassment", "transport"]
    assert set(prediction.scores) == set(THEMES)
    assert set(prediction.evidence) == {"harassment", "transport"}
    assert prediction.model == "tiny"


def test_batch_equals_one_by_one(predictor: Predictor) -> None:
    texts, _ = tiny_corpus()
    assert predictor.classify(texts) == [predictor.classify([t])[0] for t in texts]


def test_empty_batch(predictor: Predictor) -> None:
    assert predictor.classify([]) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_evidence_only_for_predicted_themes_and_inside_the_text(
    predictor: Predictor, text: str
) -> None:
    (prediction,) = predictor.classify([text])
    assert set(prediction.evidence) == set(prediction.themes)
    assert all(0.0 <= s <= 1.0 for s in prediction.scores.values())
    for spans in prediction.evidence.values():
        assert all(0 <= a < b <= len(text) for a, b in spans)
