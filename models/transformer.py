"""The `transformer` kind: all-MiniLM-L6-v2 fine-tuned end to end with a multi-label head.

A bag of n-grams can only weigh the words its training notes used, and a frozen
encoder with a linear head keeps whatever the encoder was trained for. The
themes are about meaning ("nobody would hear you", "he sat right behind me the
whole way", "the lights were fixed"), so every layer of the encoder is tuned on
the labelled notes: mean-pooled token states, one logit per theme, binary
cross-entropy, AdamW with linear warm-up and decay.

A note longer than the encoder reads (128 tokens) is scored, and trained, as
its highest-scoring window of 64 tokens (`models/windows.py`), so a concern
late in a long email is read.

Training is deterministic for a seed (shuffling, dropout and the head's start
are seeded; CPU kernels are). Batches are cut from chunks of similar length so
they carry little padding, and hold at most 48 windows, so long notes go in
smaller batches (each note's loss weighs the same in any batch); a long note's
windows are scored without a gradient first and only each theme's highest is
run to learn from; AdamW runs fused; on a CPU with native bfloat16 the
products are computed in bf16 under autocast (`models/precision.py`; an
epoch in 0.46 of the time). Calibration and thresholds come from
`CalibratedThemes`, as for every kind.

Saved folder: `config.json` (kind, parameters, format version, themes, the base
encoder's fingerprint), `head.safetensors` (the head, calibration, thresholds)
and `encoder/` (the tuned encoder as safetensors with its tokenizer files);
and, when it is served with ONNX Runtime (`runtime` in the config: "onnx-int8"
or "onnx-fp32", chosen at training time by `training/runtime_check.py`),
`model.onnx`. Nothing is pickled.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from safetensors.numpy import load_file, save_file
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from models.augment import noisy
from models.calibrated import CalibratedThemes, check_labels
from models.encoder import (
    EMBEDDING_DIM,
    SentenceEncoder,
    default_encoder_path,
    load_encoder,
    load_tokenizer,
)
from models.errors import ModelFormatError
from models.kind_names import DEFAULT_SEED, ENCODER_LAYERS, LONG_NOTE_WINDOW
from models.onnx_runtime import RUNTIMES, OnnxLogits, export_onnx, quantize_int8
from models.precision import resolve_precision
from models.windows import score_in_windows, split_into_windows, window_spans

FORMAT_VERSION = 1
KIND = "transformer"
CONFIG_FILE = "config.json"
HEAD_FILE = "head.safetensors"
ENCODER_DIR = "encoder"
ONNX_FILE = "model.onnx"
# (epoch, batches done, batches in all, mean loss so far), for a progress bar.
FitProgress = Callable[[int, int, int, float], None]


class TransformerClassifier(CalibratedThemes):
    """Fine-tuned MiniLM, multi-label: fit(texts, Y), predict_proba(texts), save/load."""

    kind = KIND

    def __init__(
        self,
        *,
        epochs: int = 3,
        learning_rate: float = 8e-5,
        batch_size: int = 32,
        max_length: int = 128,
        warmup: float = 0.06,
        weight_decay: float = 0.01,
        noise: float = 0.2,
        seed: int = DEFAULT_SEED,
        layers: int = ENCODER_LAYERS,
        window: int = LONG_NOTE_WINDOW,
        batch_windows: int = 48,
        precision: str = "auto",
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.noise = noise  # share of notes seen with spelling noise each epoch (augment.py)
        self.seed = seed
        self.layers = layers  # the encoder's lowest `layers` blocks are tuned and served
        self.window = window  # tokens per window of a note too long to read whole (windows.py)
        self.batch_windows = batch_windows  # most windows in one training batch (_batches)
        self.precision = precision  # of fine-tuning's products: auto, bf16 or fp32 (precision.py)
        self._path = default_encoder_path()
        self.runtime_ = "torch"
        self.threads_ = 0  # for the ONNX graph when served (0: one per core)
        self._onnx: bytes | Path | None = None

    def get_params(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "batch_size": self.batch_size,
            "max_length": self.max_length,
            "warmup": self.warmup,
            "weight_decay": self.weight_decay,
            "noise": self.noise,
            "seed": self.seed,
            "layers": self.layers,
            "window": self.window,
            "batch_windows": self.batch_windows,
            "precision": self.precision,
        }

    @cached_property
    def tokenizer_(self) -> PreTrainedTokenizerBase:
        return load_tokenizer(self._path)

    @cached_property
    def encoder_(self) -> PreTrainedModel:
        encoder = load_encoder(self._path)
        return keep_lowest_layers(encoder, self.layers)

    # -- fitting ---------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        Y: np.ndarray,
        *,
        theme_names: Sequence[str],
        progress: FitProgress | None = None,
    ) -> TransformerClassifier:
        """Tune the encoder and the head on the notes; returns self."""
        Y = check_labels(texts, Y, theme_names)
        self.theme_names_ = tuple(theme_names)
        self.training_precision_ = resolve_precision(self.precision)
        torch.manual_seed(self.seed)
        rng, noise_rng = random.Random(self.seed), random.Random(self.seed + 1)
        self.head_ = torch.nn.Linear(EMBEDDING_DIM, len(theme_names))
        params = [*self.encoder_.parameters(), *self.head_.parameters()]
        optimiser = self._optimiser(params)
        sizes = [len(spans) for spans in self._training_windows(texts)]
        plan = [self._batches(texts, sizes, rng) for _ in range(self.epochs)]
        schedule = _warmup_then_decay(optimiser, sum(map(len, plan)), self.warmup)
        targets = torch.tensor(Y, dtype=torch.float32)
        self.encoder_.train()
        for epoch, batches in enumerate(plan):
            total, per_epoch = 0.0, len(batches)
            for done, batch in enumerate(batches, start=1):
                seen = [
                    noisy(texts[i], noise_rng) if noise_rng.random() < self.noise else texts[i]
                    for i in batch
                ]
                with self._autocast():
                    logits = self._note_logits(seen)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits.float(), targets[batch]
                )
                # Each note weighs the same whatever the size of the batch it is in.
                (loss * (len(batch) / self.batch_size)).backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                total += loss.item()
                if progress is not None:
                    progress(epoch + 1, done, per_epoch, total / done)
        self.encoder_.eval()
        self._reset_calibration(len(theme_names))
        return self

    def _autocast(self) -> torch.autocast:
        """Products in bfloat16 while fitting, where `training_precision_` says so."""
        bf16 = self.training_precision_ == "bf16"
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    def _optimiser(self, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
        """AdamW in one fused kernel per step: the same update as the default loop
        over tensors, in less time (bench/finetune.py)."""
        return torch.optim.AdamW(
            params, lr=self.learning_rate, weight_decay=self.weight_decay, fused=True
        )

    def _batches(
        self, texts: Sequence[str], sizes: Sequence[int], rng: random.Random
    ) -> list[list[int]]:
        """Shuffled batches, each cut from a chunk of similar lengths (little padding).

        A batch holds at most `batch_size` notes and, beyond its first note, at
        most `batch_windows` windows (`sizes`: each note's windows), so a batch
        of long notes holds a few of them: 32 long notes are about 200 windows,
        and one batch that size took 1.4 times as long as the same notes in
        batches of 8, beside padding every short note in it to a window's length.
        """
        order = list(range(len(texts)))
        rng.shuffle(order)
        chunk = self.batch_size * 20
        batches: list[list[int]] = []
        for start in range(0, len(order), chunk):
            part = sorted(order[start : start + chunk], key=lambda i: len(texts[i]))
            batches += self._cut(part, sizes)
        rng.shuffle(batches)
        return batches

    def _cut(self, part: list[int], sizes: Sequence[int]) -> list[list[int]]:
        """`part` in order, as batches within the note and window limits."""
        batches: list[list[int]] = [[]]
        windows = 0
        for i in part:
            full = len(batches[-1]) == self.batch_size
            if batches[-1] and (full or windows + sizes[i] > self.batch_windows):
                batches.append([])
                windows = 0
            batches[-1].append(i)
            windows += sizes[i]
        return [batch for batch in batches if batch]

    def _training_windows(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Each note's windows as `_note_logits` cuts them (one for a note that fits)."""
        return window_spans(texts, self.tokenizer_, self.max_length, self.window, overlap=False)

    def _note_logits(self, texts: list[str]) -> torch.Tensor:
        """Logits of whole notes while training: a long note's are its windows' highest.

        Scoring a long note by its best window at prediction time, and training it
        the same way, lets a note labelled with a theme teach the window that
        raises it (multiple-instance learning) rather than its first 128 tokens.
        The windows do not overlap here: with the overlap, the first 230 long training
        notes cost two thirds as many tokens again as the 8,427 short ones.
        """
        windows, owners = split_into_windows(
            texts, self.tokenizer_, self.max_length, self.window, overlap=False
        )
        if len(windows) == len(texts):
            return self._logits(windows)
        kept = self._highest_windows(windows, owners)
        logits = self._logits([windows[i] for i in kept])
        where = torch.tensor([owners[i] for i in kept])
        return torch.stack([logits[where == i].amax(dim=0) for i in range(len(texts))])

    def _highest_windows(self, windows: list[str], owners: list[int]) -> list[int]:
        """The windows a note's score comes from: its only one, or each theme's highest.

        A note's logit for a theme is its highest window's, so only that window
        gets a gradient. The windows of long notes are first scored without one
        (no dropout, no activations kept: about a third of the cost of a pass
        that can go backward), and only each theme's highest window of each
        note is run again to learn from; a long note has 3 to 10 windows.
        """
        counts = Counter(owners)
        several = np.array([i for i, owner in enumerate(owners) if counts[owner] > 1])
        kept = {i for i, owner in enumerate(owners) if counts[owner] == 1}
        training = self.encoder_.training
        self.encoder_.eval()
        with torch.no_grad():
            scores = self._logits([windows[i] for i in several]).float().numpy()
        self.encoder_.train(training)
        whose = np.array(owners)[several]
        for owner in np.unique(whose):
            rows = np.flatnonzero(whose == owner)
            kept.update(several[rows[scores[rows].argmax(axis=0)]].tolist())
        return sorted(kept)

    def _logits(self, texts: list[str]) -> torch.Tensor:
        batch = self.tokenizer_(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        hidden = self.encoder_(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logits: torch.Tensor = self.head_(pooled)
        return logits

    # -- predicting ------------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw per-theme logits, shape (n, themes); a long note scores as its best window."""
        self._fitted_names()
        return score_in_windows(
            texts, self.tokenizer_, self.max_length, self._window_logits, self.window
        )

    def theme_windows(self, text: str) -> list[tuple[int, int]]:
        """For each theme, the character span of the window that gives the note its score.

        Evidence for a long note is looked for there (`models/evidence.py`): the
        note's score for a theme is that window's, so that is what a reviewer
        should be shown, and occluding words of one window costs far less than
        occluding words of the whole note.
        """
        spans = window_spans([text], self.tokenizer_, self.max_length, self.window)[0]
        if len(spans) == 1:
            return spans * len(self._fitted_names())
        best = self._window_logits([text[start:end] for start, end in spans]).argmax(axis=0)
        return [spans[int(i)] for i in best]

    def _window_logits(self, texts: list[str]) -> np.ndarray:
        """Logits of texts that fit the encoder, from the runtime served; batched by length."""
        names = self._fitted_names()
        if self.runtime_ != "torch":
            return self.onnx_logits_(texts)
        out = np.zeros((len(texts), len(names)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                positions = order[start : start + 64]
                out[positions] = self._logits([texts[i] for i in positions]).numpy()
        return out

    # -- serving with ONNX Runtime --------------------------------------------
    def export_runtimes(self) -> dict[str, bytes]:
        """The fitted model as fp32 and int8 ONNX graphs, to check and choose between."""
        self._fitted_names()
        fp32 = export_onnx(self.encoder_, self.head_, self.tokenizer_)
        return {"onnx-fp32": fp32, "onnx-int8": quantize_int8(fp32)}

    def use_runtime(self, runtime: str, onnx: bytes | Path | None = None) -> None:
        """Serve logits from `runtime`: "torch", or an ONNX graph given as bytes or a file."""
        if runtime not in RUNTIMES:
            raise ValueError(f"Unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}.")
        if runtime != "torch" and onnx is None:
            raise ValueError(f"Runtime {runtime} needs its ONNX graph.")
        self.runtime_, self._onnx = runtime, onnx if runtime != "torch" else None
        self.__dict__.pop("onnx_logits_", None)

    @cached_property
    def onnx_logits_(self) -> OnnxLogits:
        if self._onnx is None:
            raise ValueError("No ONNX graph to serve from; call use_runtime first.")
        return OnnxLogits(
            self._onnx, self.tokenizer_, max_length=self.max_length, threads=self.threads_
        )

    # -- persistence -----------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write config.json, head.safetensors and the tuned encoder with its tokenizer."""
        names = self._fitted_names()
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder_.save_pretrained(folder / ENCODER_DIR, safe_serialization=True)
        self.tokenizer_.save_pretrained(folder / ENCODER_DIR)
        tensors = {
            "weight": self.head_.weight.detach().numpy(),
            "bias": self.head_.bias.detach().numpy(),
            "calibration": self.calibration_,
            "thresholds": self.thresholds_,
        }
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, folder / HEAD_FILE)
        if self._onnx is not None:
            onnx = self._onnx if isinstance(self._onnx, bytes) else self._onnx.read_bytes()
            (folder / ONNX_FILE).write_bytes(onnx)
        config = {
            "format_version": FORMAT_VERSION,
            "params": self.get_params(),
            "theme_names": list(names),
            "base_encoder_fingerprint": SentenceEncoder(path=self._path).fingerprint,
            "runtime": self.runtime_,
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, threads: int = 0) -> TransformerClassifier:
        """Read a saved folder; refuses another format or a folder without weights.

        `threads` is how many the ONNX graph may use (0: one per core).
        """
        config = read_config(folder)
        if config.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{folder} has transformer format {config.get('format_version')!r}; "
                f"this walktalk reads format {FORMAT_VERSION}."
            )
        if not (folder / ENCODER_DIR / "model.safetensors").exists():  # checked before any load
            raise ModelFormatError(f"No tuned encoder weights in {folder / ENCODER_DIR}.")
        params = {k: v for k, v in config["params"].items() if k != "kind"}
        model = cls(**params)
        model._path = folder / ENCODER_DIR
        model.threads_ = threads
        tensors = load_file(folder / HEAD_FILE)
        model.theme_names_ = tuple(config["theme_names"])
        model.head_ = torch.nn.Linear(EMBEDDING_DIM, len(model.theme_names_))
        with torch.no_grad():
            model.head_.weight.copy_(torch.from_numpy(tensors["weight"]))
            model.head_.bias.copy_(torch.from_numpy(tensors["bias"]))
        model.calibration_, model.thresholds_ = tensors["calibration"], tensors["thresholds"]
        runtime = config.get("runtime", "torch")
        if runtime != "torch":
            if not (folder / ONNX_FILE).exists():
                raise ModelFormatError(f"{folder} is served with {runtime} but has no {ONNX_FILE}.")
            model.use_runtime(runtime, folder / ONNX_FILE)
        return model


def read_config(folder: Path) -> dict[str, Any]:
    """A model folder's config.json, or a clear error."""
    try:
        config: dict[str, Any] = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelFormatError(f"No {CONFIG_FILE} in {folder}; is this a model folder?") from err
    return config


def _warmup_then_decay(
    optimiser: torch.optim.Optimizer, steps: int, warmup: float
) -> torch.optim.lr_scheduler.LambdaLR:
    rise = max(1, round(steps * warmup))

    def factor(step: int) -> float:
        return min(1.0, (step + 1) / rise) * max(0.0, (steps - step) / steps)

    return torch.optim.lr_scheduler.LambdaLR(optimiser, factor)


def keep_lowest_layers(encoder: PreTrainedModel, layers: int) -> PreTrainedModel:
    """The encoder cut to its lowest `layers` blocks (unchanged if it has no more).

    Each block costs the same on every token, so 3 blocks run in about half the
    time of all 6. Dropping the top blocks before fine-tuning loses least of what
    the encoder knows (Sajjad et al., "On the effect of dropping layers of
    pre-trained transformer models", 2020); it still loses quality here (README).
    """
    if layers < 1:
        raise ValueError(f"layers must be at least 1, not {layers}.")
    stack = cast(torch.nn.Module, encoder.encoder)
    blocks = cast(torch.nn.ModuleList, stack.layer)
    if layers < len(blocks):
        stack.layer = blocks[:layers]
        encoder.config.num_hidden_layers = layers
    return encoder
