"""Benchmark: how fast the transformer fine-tunes, with and without window-capped batches.

Run: `.venv/bin/python -m bench.finetune [--notes 1920] [--rounds 2]`.

Fine-tuning is most of a `walktalk train` run. A long note is read as several
64-token windows, and a batch of 32 notes that holds a few long ones pads every
short note in it to a window's length; a batch of 32 long ones is about 200
windows. Batches now hold at most `batch_windows` windows (48), so long notes go
in smaller batches.

This fits one epoch on a sample of the default training notes (seed and broad
train splits, long notes included, in their real share), once with batches
capped at 48 windows and once with no cap (as before), alternating for
`--rounds` rounds in one process, and prints seconds, batches and notes/s for
each, and the capped run's time as a ratio to the uncapped one (the best round
of each: the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from models.transformer import TransformerClassifier
from nlp.areas import load_areas
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
from nlp.taxonomy import load_taxonomy
from training.corpora import Corpora, load_sets
from training.dataset import label_matrix, model_text

NO_CAP = 10**9


def sample(notes: int, seed: int = 5) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
    """A random sample of the default training notes, as the model reads them."""
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    sets = load_sets(Corpora(), taxonomy=taxonomy, areas=load_areas(DEFAULT_AREAS))
    train = list(sets.train)
    random.Random(seed).shuffle(train)
    picked = train[:notes]
    return [model_text(n) for n in picked], label_matrix(picked, taxonomy.names), taxonomy.names


def fit_once(
    texts: list[str], Y: np.ndarray, names: tuple[str, ...], cap: int
) -> tuple[float, int]:
    """Seconds to fit one epoch, and the batches it took."""
    batches = 0

    def count(_epoch: int, done: int, _per_epoch: int, _loss: float) -> None:
        nonlocal batches
        batches = done

    model = TransformerClassifier(epochs=1, batch_windows=cap)
    _ = model.encoder_  # loaded before the clock starts
    started = time.perf_counter()
    model.fit(texts, Y, theme_names=names, progress=count)
    return time.perf_counter() - started, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1920, help="training notes to sample")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per setting")
    args = parser.parse_args()
    texts, Y, names = sample(args.notes)
    long_notes = sum(len(t) > 600 for t in texts)
    print(f"{len(texts)} notes ({long_notes} over 600 characters), one epoch each run")
    best: dict[str, tuple[float, int]] = {}
    for round_ in range(1, args.rounds + 1):
        for label, cap in (("no cap (before)", NO_CAP), ("48 windows (now)", 48)):
            seconds, batches = fit_once(texts, Y, names, cap)
            print(
                f"round {round_}: {label:18s} {seconds:7.1f} s  {batches:4d} batches  "
                f"{len(texts) / seconds:6.1f} notes/s"
            )
            if label not in best or seconds < best[label][0]:
                best[label] = (seconds, batches)
    before, now = best["no cap (before)"][0], best["48 windows (now)"][0]
    print(f"best of {args.rounds}: 48-window cap takes {now / before:.2f} times as long as no cap")


if __name__ == "__main__":
    main()
