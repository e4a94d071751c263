"""TF-IDF features over words and characters, saved with skops.

Word uni- and bi-grams catch phrases ("no lights", "followed me"); character
n-grams within word boundaries catch misspellings, abbreviations and endings
("lites", "harrassed", "2130hrs") that a word vocabulary would miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import scipy.sparse as sp
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer

from models.errors import ModelFormatError, NotFittedError

FILE = "tfidf.skops"
# Types a saved TF-IDF file may contain; anything else is refused at load time.
TRUSTED_TYPES = [
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
]


class TfidfFeatures:
    """Word and character TF-IDF, each row L2-normalised, side by side."""

    def __init__(self, *, word_ngrams: int = 2, char_ngrams: tuple[int, int] = (2, 5)) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.vectorizers_: tuple[TfidfVectorizer, TfidfVectorizer] | None = None

    def fit(self, texts: Sequence[str]) -> TfidfFeatures:
        word = TfidfVectorizer(
            ngram_range=(1, self.word_ngrams), sublinear_tf=True, min_df=2, lowercase=True
        )
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, min_df=2
        )
        word.fit(texts)
        char.fit(texts)
        self.vectorizers_ = (word, char)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.vectorizers_ is None:
            raise NotFittedError("TF-IDF features are not fitted; call fit() first.")
        word, char = self.vectorizers_
        return sp.hstack([word.transform(texts), char.transform(texts)], format="csr")

    @property
    def dim(self) -> int:
        if self.vectorizers_ is None:
            return 0
        return sum(len(v.vocabulary_) for v in self.vectorizers_)

    def save(self, folder: Path) -> None:
        if self.vectorizers_ is None:
            raise NotFittedError("TF-IDF features are not fitted; nothing to save.")
        sio.dump(list(self.vectorizers_), folder / FILE)

    @classmethod
    def load(cls, folder: Path, *, word_ngrams: int, char_ngrams: tuple[int, int]) -> TfidfFeatures:
        path = folder / FILE
        if not path.exists():
            raise ModelFormatError(f"No {FILE} in {folder}.")
        untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
        if untrusted:
            raise ModelFormatError(
                f"{path} holds types walktalk does not trust: {sorted(untrusted)}."
            )
        word, char = sio.load(path, trusted=TRUSTED_TYPES)
        features = cls(word_ngrams=word_ngrams, char_ngrams=char_ngrams)
        features.vectorizers_ = (word, char)
        return features
