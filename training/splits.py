"""Fixed train / validation / test splits that keep every label's share.

With four themes and many combinations, a random split can leave a rare
combination out of the test set entirely. Iterative stratification (Sechidis et
al., 2011; Szymanski and Kajdanowicz, 2017) balances each label across splits.
We stratify on the themes, on "no theme", on the source and on the hard-case
flag, so test scores speak for officer and participant notes and for hard cases.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

from training.records import LabelledNote

SPLIT_NAMES = ("train", "validation", "test")


def stratification_matrix(notes: Sequence[LabelledNote], theme_names: Sequence[str]) -> np.ndarray:
    """One row per note: its themes, no-theme, officer and hard-case indicators."""
    rows = []
    for note in notes:
        themes = [float(name in note.themes) for name in theme_names]
        extras = [float(not note.themes), float(note.source == "officer"), float(bool(note.hard))]
        rows.append(themes + extras)
    return np.asarray(rows)


def stratified_splits(
    notes: Sequence[LabelledNote],
    theme_names: Sequence[str],
    *,
    validation: float = 0.1,
    test: float = 0.1,
    seed: int = 13,
) -> dict[str, list[LabelledNote]]:
    """Split notes into train, validation and test, keeping label shares alike."""
    if validation <= 0 or test <= 0 or validation + test >= 1:
        raise ValueError(
            f"validation and test must be positive and sum below 1, got {validation} and {test}"
        )
    matrix = stratification_matrix(notes, theme_names)
    rest, test_idx = _split(matrix, np.arange(len(notes)), test, seed)
    train_idx, validation_idx = _split(matrix[rest], rest, validation / (1 - test), seed + 1)
    chosen = {"train": train_idx, "validation": validation_idx, "test": test_idx}
    return {name: [notes[i] for i in sorted(chosen[name])] for name in SPLIT_NAMES}


def _split(
    matrix: np.ndarray, positions: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    keep, held = next(splitter.split(np.zeros(len(matrix)), matrix))
    return positions[keep], positions[held]
