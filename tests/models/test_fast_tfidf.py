"""The fast vectorizers give scikit-learn's numbers exactly, and round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from models.errors import ModelFormatError
from models.fast_tfidf import CharNgramTfidf, WordNgramTfidf, word_ngrams
from tests.factories import tiny_corpus

TEXTS, _ = tiny_corpus()
Pair = tuple[TfidfVectorizer, CharNgramTfidf | WordNgramTfidf]


@pytest.fixture(scope="module", params=["char", "word"])
def pair(request: pytest.FixtureRequest) -> Pair:
    if request.param == "char":
        reference = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
        )
        fast: CharNgramTfidf | WordNgramTfidf = CharNgramTfidf(ngram_range=(3, 5), min_df=2)
    else:
        reference = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
        fast = WordNgramTfidf(ngram_range=(1, 2), min_df=1)
    return reference.fit(TEXTS), fast.fit(TEXTS)


def test_word_ngrams_pad_and_count_short_words_once() -> None:
    assert word_ngrams("ab", 3, 5) == [" ab", "ab ", " ab "]
    assert word_ngrams("a", 3, 5) == [" a "]


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_same_matrix_as_scikit_learn(pair: Pair, texts: list[str]) -> None:
    reference, fast = pair
    np.testing.assert_allclose(
        fast.transform(texts).toarray(), reference.transform(texts).toarray(), atol=1e-12
    )


def test_same_matrix_on_the_corpus_words(pair: Pair) -> None:
    reference, fast = pair
    shuffled = [" ".join(reversed(t.split())) for t in TEXTS] + [t.upper() for t in TEXTS]
    np.testing.assert_allclose(
        fast.transform(shuffled).toarray(), reference.transform(shuffled).toarray(), atol=1e-12
    )


def test_cache_does_not_change_answers(pair: Pair) -> None:
    _, fast = pair
    first = fast.transform(TEXTS).toarray()
    np.testing.assert_array_equal(fast.transform(TEXTS).toarray(), first)


def test_save_and_load_round_trip(pair: Pair, tmp_path: Path) -> None:
    _, fast = pair
    fast.save(tmp_path)
    loaded = type(fast)(ngram_range=fast.ngram_range, min_df=fast.min_df)
    loaded.load_state(tmp_path)
    np.testing.assert_array_equal(
        loaded.transform(TEXTS).toarray(), fast.transform(TEXTS).toarray()
    )


def test_damaged_files_are_a_clear_error(pair: Pair, tmp_path: Path) -> None:
    _, fast = pair
    fast.save(tmp_path)
    (tmp_path / f"{fast.name}_vocabulary.json").write_text('["only one"]', encoding="utf-8")
    with pytest.raises(ModelFormatError, match="disagree"):
        type(fast)(ngram_range=fast.ngram_range).load_state(tmp_path)
