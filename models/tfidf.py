"""TF-IDF features over words and characters, side by side.

Word uni- and bi-grams catch phrases ("no lights", "followed me"); character
n-grams within word boundaries catch misspellings, abbreviations and endings
("lites", "harrassed", "2130hrs") that a word vocabulary would miss. Both parts
are the fast, pickle-free vectorizers of `models.fast_tfidf`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import scipy.sparse as sp

from models.errors import NotFittedError
from models.fast_tfidf import CharNgramTfidf, WordNgramTfidf


class TfidfFeatures:
    """Word and character TF-IDF, each part's rows L2-normalised."""

    def __init__(self, *, word_ngrams: int = 2, char_ngrams: tuple[int, int] = (3, 5)) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.parts_: tuple[WordNgramTfidf, CharNgramTfidf] | None = None

    def fit(self, texts: Sequence[str]) -> TfidfFeatures:
        word = WordNgramTfidf(ngram_range=(1, self.word_ngrams))
        char = CharNgramTfidf(ngram_range=self.char_ngrams)
        word.fit(texts)
        char.fit(texts)
        self.parts_ = (word, char)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.parts_ is None:
            raise NotFittedError("TF-IDF features are not fitted; call fit() first.")
        return sp.hstack([part.transform(texts) for part in self.parts_], format="csr")

    def save(self, folder: Path) -> None:
        if self.parts_ is None:
            raise NotFittedError("TF-IDF features are not fitted; nothing to save.")
        for part in self.parts_:
            part.save(folder)

    @classmethod
    def load(cls, folder: Path, *, word_ngrams: int, char_ngrams: tuple[int, int]) -> TfidfFeatures:
        features = cls(word_ngrams=word_ngrams, char_ngrams=char_ngrams)
        word = WordNgramTfidf(ngram_range=(1, word_ngrams))
        char = CharNgramTfidf(ngram_range=char_ngrams)
        word.load_state(folder)
        char.load_state(folder)
        features.parts_ = (word, char)
        return features
