"""Benchmark: how fast the transformer fine-tunes, now and as it did before.

Run: `.venv/bin/python -m bench.finetune [--notes 1280] [--rounds 2] [--long-only]`.

Fine-tuning is most of a `walktalk train` run. It has been made faster four
ways, each reproduced here by a subclass that undoes it:

- batches hold at most 48 windows, so long notes go in smaller batches
  (`no window cap` undoes it);
- only each theme's highest window of a long note is run with a gradient, after
  all its windows are scored without one (`every window` runs them all, as before);
- AdamW updates every tensor in one fused kernel (`plain AdamW` loops over
  the tensors, as before);
- on a CPU with native bfloat16 (AVX-512 BF16 or AMX), the products are
  computed in bf16 under autocast (`models/precision.py`); the other settings
  run in fp32. The script prints which the last setting resolved to.

This fits one epoch on a sample of the default training notes (seed and broad
train splits, long notes included, in their real share) under each setting,
alternating for `--rounds` rounds in one process, and prints seconds, batches
and notes/s for each, and each setting's best round as a ratio to the oldest
(the machine is shared and noisy). `--long-only` keeps only the sample's notes
over 600 characters, to see what each change does to them alone.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
import torch

from models.precision import resolve_precision
from models.transformer import TransformerClassifier
from nlp.areas import load_areas
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
from nlp.taxonomy import load_taxonomy
from training.corpora import Corpora, load_sets
from training.dataset import label_matrix, model_text

NO_CAP = 10**9
LONG = 600  # characters: a note this long is read in several windows


class EveryWindow(TransformerClassifier):
    """Runs every window of a long note with a gradient, as before."""

    def _highest_windows(self, windows: list[str], owners: list[int]) -> list[int]:
        return list(range(len(windows)))


class EveryWindowPlainAdamW(EveryWindow):
    """... and updates the weights with AdamW's default on CPU, a loop over tensors."""

    def _optimiser(self, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.AdamW(params, lr=self.learning_rate, weight_decay=self.weight_decay)


SETTINGS: tuple[tuple[str, type[TransformerClassifier], int, str], ...] = (
    ("no window cap, every window, plain AdamW", EveryWindowPlainAdamW, NO_CAP, "fp32"),
    ("48-window cap, every window, plain AdamW", EveryWindowPlainAdamW, 48, "fp32"),
    ("48-window cap, every window, fused AdamW", EveryWindow, 48, "fp32"),
    ("48-window cap, highest windows, fused", TransformerClassifier, 48, "fp32"),
    ("... and bf16 where the CPU has it (now)", TransformerClassifier, 48, "auto"),
)


def sample(
    notes: int, seed: int = 5, *, long_only: bool = False
) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
    """A random sample of the default training notes, as the model reads them."""
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    sets = load_sets(Corpora(), taxonomy=taxonomy, areas=load_areas(DEFAULT_AREAS))
    train = list(sets.train)
    random.Random(seed).shuffle(train)
    picked = train[:notes]
    if long_only:
        picked = [note for note in picked if len(model_text(note)) > LONG]
    return [model_text(n) for n in picked], label_matrix(picked, taxonomy.names), taxonomy.names


def fit_once(
    texts: list[str],
    Y: np.ndarray,
    names: tuple[str, ...],
    kind: type[TransformerClassifier],
    cap: int,
    precision: str = "auto",
) -> tuple[float, int]:
    """Seconds to fit one epoch, and the batches it took."""
    batches = 0

    def count(_epoch: int, done: int, _per_epoch: int, _loss: float) -> None:
        nonlocal batches
        batches = done

    model = kind(epochs=1, batch_windows=cap, precision=precision)
    _ = model.encoder_  # loaded before the clock starts
    started = time.perf_counter()
    model.fit(texts, Y, theme_names=names, progress=count)
    return time.perf_counter() - started, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1280, help="training notes to sample")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per setting")
    parser.add_argument(
        "--long-only", action="store_true", help=f"only the notes over {LONG} characters"
    )
    args = parser.parse_args()
    texts, Y, names = sample(args.notes, long_only=args.long_only)
    long_notes = sum(len(t) > LONG for t in texts)
    print(f"{len(texts)} notes ({long_notes} over {LONG} characters), one epoch each run")
    print(f"precision 'auto' resolves to {resolve_precision('auto')} on this CPU")
    fit_once(texts[:64], Y[:64], names, TransformerClassifier, 48)  # warm-up, not timed
    best: dict[str, float] = {}
    for round_ in range(1, args.rounds + 1):
        for label, kind, cap, precision in SETTINGS:
            seconds, batches = fit_once(texts, Y, names, kind, cap, precision)
            print(
                f"round {round_}: {label:44s} {seconds:7.1f} s  {batches:4d} batches  "
                f"{len(texts) / seconds:6.1f} notes/s"
            )
            best[label] = min(best.get(label, seconds), seconds)
    oldest = best[SETTINGS[0][0]]
    print(f"best of {args.rounds} rounds, as a ratio to the first setting:")
    for label, *_ in SETTINGS:
        print(f"  {label:44s} {best[label]:7.1f} s  {best[label] / oldest:.2f}x")


if __name__ == "__main__":
    main()
