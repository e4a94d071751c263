"""Where the labelled sets live, and loading them for a training run or an evaluation.

Training notes and the notes a model is judged on come from different writers:

- `seed/`: the seed corpus (train, validation, test splits), written together;
- `broad/`: a broader training corpus by other writers (train, validation),
  with its long notes and later writers' short notes in files of their own
  (`train_long`, `train_added` and the same for `validation`);
- `challenge/`: notes written alongside the seed corpus (a regression check);
- `ood/`: the out-of-distribution test set, by writers who wrote no training
  note and never saw one; models are chosen on it;
- `behaviour/suite.yaml`: behavioural tests generated from templates.

The validation notes of `seed` and `broad` tune thresholds and calibration; the
test sets are touched only to score a finished model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nlp.areas import Areas
from nlp.resources import BEHAVIOUR_SUITE, BROAD_DIR, CHALLENGE_DIR, OOD_DIR, SEED_DIR
from nlp.taxonomy import Taxonomy
from training.behaviour import Case, load_suite
from training.dataset import load_notes
from training.records import LabelledNote

# Held-out sets in the order reports show them: the one models are chosen on first.
HELD_OUT = ("ood", "test", "challenge")
# The broad corpus's files of each split, by suffix: see `_broad`.
BROAD_PARTS = ("", "_long", "_added")


@dataclass(frozen=True)
class Corpora:
    """Paths of every labelled set; a missing optional one is skipped."""

    seed: Path = SEED_DIR
    broad: Path | None = BROAD_DIR
    ood: Path | None = OOD_DIR
    challenge: Path | None = CHALLENGE_DIR
    behaviour: Path | None = BEHAVIOUR_SUITE


@dataclass(frozen=True)
class LoadedSets:
    """Training and validation notes, the held-out sets by name, and the behavioural cases."""

    train: list[LabelledNote]
    validation: list[LabelledNote]
    held_out: dict[str, list[LabelledNote]] = field(default_factory=dict)
    behaviour: list[Case] = field(default_factory=list)

    @property
    def test(self) -> list[LabelledNote]:
        """The seed test split: every version's fixed comparison."""
        return self.held_out["test"]


def load_sets(corpora: Corpora, *, taxonomy: Taxonomy, areas: Areas) -> LoadedSets:
    """Read every set that exists; the seed splits must."""

    def read(*paths: Path | None) -> list[LabelledNote]:
        found = [p for p in paths if p is not None and p.exists()]
        return load_notes(found, taxonomy=taxonomy, areas=areas) if found else []

    broad = corpora.broad
    held_out = {
        "ood": read(corpora.ood),
        "test": read(corpora.seed / "test.jsonl"),
        "challenge": read(corpora.challenge),
    }
    return LoadedSets(
        train=read(corpora.seed / "train.jsonl", *_broad(broad, "train")),
        validation=read(corpora.seed / "validation.jsonl", *_broad(broad, "validation")),
        held_out={name: notes for name, notes in held_out.items() if notes},
        behaviour=load_suite(corpora.behaviour)
        if corpora.behaviour and corpora.behaviour.exists()
        else [],
    )


def _broad(folder: Path | None, split: str) -> list[Path]:
    """The broad corpus's files of one split: its first short notes, long ones, later short ones.

    Notes added after the first short ones have files of their own (`_long`:
    more than the encoder's 128 tokens; `_added`: short notes by later writers)
    so that the first short ones, which the PII recogniser's card fingerprints,
    stay as they were.
    """
    if folder is None:
        return []
    return [folder / f"{split}{part}.jsonl" for part in BROAD_PARTS]
