"""TF-IDF over words and characters, fast at prediction time, saved without pickle.

scikit-learn's vectorizers build every n-gram of every note in Python and look
each one up in a dict, which is most of the linear model's time. Notes reuse the
same few thousand words, so these vectorizers cache what each word contributes
(its vocabulary indices) and build the sparse matrix in one NumPy step. They give
exactly the numbers of `TfidfVectorizer(sublinear_tf=True)` with the same
analyzer (tests hold them to that); fitting is delegated to scikit-learn.

Saved as a JSON vocabulary and safetensors idf weights: nothing to unpickle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from models.errors import ModelFormatError, NotFittedError

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def word_ngrams(word: str, low: int, high: int) -> list[str]:
    """N-grams of ' word ' for n in [low, high]; a padded word shorter than n counts once."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class _CachedTfidf:
    """Shared machinery: vocabulary, idf, matrix building, persistence."""

    name = "tfidf"

    def __init__(
        self, *, ngram_range: tuple[int, int], min_df: int = 2, cache_size: int = 200_000
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        # Holds words seen in notes, in memory only, bounded so it cannot grow forever.
        self.cache_size = cache_size
        self._cache: dict[str, tuple[int, ...]] = {}

    def _reference(self) -> TfidfVectorizer:
        raise NotImplementedError

    def columns(self, text: str) -> list[int]:
        """The vocabulary columns of the text's n-grams, one per occurrence."""
        return self._columns(text)

    def _columns(self, text: str) -> list[int]:
        raise NotImplementedError

    def fit(self, texts: Sequence[str]) -> _CachedTfidf:
        reference = self._reference().fit(texts)
        self._set_state(reference.vocabulary_, reference.idf_)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not hasattr(self, "idf_"):
            raise NotFittedError(f"The {self.name} features are not fitted; call fit() first.")
        per_text = [self._columns(text) for text in texts]
        lengths = np.fromiter((len(c) for c in per_text), dtype=np.int64, count=len(texts))
        columns = np.fromiter(
            (c for cols in per_text for c in cols), dtype=np.int64, count=int(lengths.sum())
        )
        counts = sp.csr_matrix(
            (np.ones(len(columns)), (np.repeat(np.arange(len(texts)), lengths), columns)),
            shape=(len(texts), len(self.idf_)),
        )
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)

    def save(self, folder: Path) -> None:
        if not hasattr(self, "idf_"):
            raise NotFittedError(f"The {self.name} features are not fitted; nothing to save.")
        ordered = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        (folder / f"{self.name}_vocabulary.json").write_text(
            json.dumps(ordered, ensure_ascii=False), encoding="utf-8"
        )
        save_file({"idf": self.idf_}, folder / f"{self.name}_idf.safetensors")

    def load_state(self, folder: Path) -> None:
        try:
            ordered = json.loads(
                (folder / f"{self.name}_vocabulary.json").read_text(encoding="utf-8")
            )
            idf = load_file(folder / f"{self.name}_idf.safetensors")["idf"]
        except (OSError, ValueError, KeyError) as err:
            raise ModelFormatError(
                f"Cannot read the {self.name} features in {folder}: {err}"
            ) from err
        if not isinstance(ordered, list) or len(ordered) != len(idf):
            raise ModelFormatError(
                f"The {self.name} vocabulary and idf weights in {folder} disagree."
            )
        self._set_state({gram: i for i, gram in enumerate(ordered)}, idf)

    def _set_state(self, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.vocabulary_ = {str(g): int(i) for g, i in vocabulary.items()}
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self._cache = {}


class CharNgramTfidf(_CachedTfidf):
    """Within-word character n-grams (scikit-learn's `char_wb`), cached per word."""

    name = "char"

    def __init__(
        self, *, ngram_range: tuple[int, int] = (3, 5), min_df: int = 2, cache_size: int = 200_000
    ) -> None:
        super().__init__(ngram_range=ngram_range, min_df=min_df, cache_size=cache_size)

    def _reference(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.ngram_range, min_df=self.min_df, sublinear_tf=True
        )

    def _columns(self, text: str) -> list[int]:
        columns: list[int] = []
        for word in text.lower().split():
            found = self._cache.get(word)
            if found is None:
                low, high = self.ngram_range
                vocabulary = self.vocabulary_
                found = tuple(
                    vocabulary[g] for g in word_ngrams(word, low, high) if g in vocabulary
                )
                if len(self._cache) < self.cache_size:
                    self._cache[word] = found
            columns.extend(found)
        return columns


class WordNgramTfidf(_CachedTfidf):
    """Word n-grams with scikit-learn's default tokenisation (lower case, 2+ word characters)."""

    name = "word"

    def __init__(
        self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, cache_size: int = 0
    ) -> None:
        super().__init__(ngram_range=ngram_range, min_df=min_df, cache_size=cache_size)

    def _reference(self) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=self.ngram_range, min_df=self.min_df, sublinear_tf=True)

    def _columns(self, text: str) -> list[int]:
        tokens = TOKEN.findall(text.lower())
        vocabulary = self.vocabulary_
        low, high = self.ngram_range
        columns: list[int] = []
        for n in range(low, high + 1):
            grams = (
                tokens
                if n == 1
                else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            )
            columns.extend(vocabulary[g] for g in grams if g in vocabulary)
        return columns
