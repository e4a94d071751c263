"""The shipped broad corpus passes the checker, keeps clear of every held-out set,
and carries the blind second labelling its card reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from nlp.areas import Areas
from nlp.resources import BROAD_DIR, CHALLENGE_DIR, OOD_DIR, SEED_DIR
from nlp.taxonomy import Taxonomy
from training.data_check import CheckReport, check_files
from training.readers import read_label_sets

BROAD_FILES = [
    BROAD_DIR / f"{split}{part}.jsonl"
    for split in ("train", "validation")
    for part in ("", "_long", "_added")
]
HELD_BACK = BROAD_DIR / "held_back"
HELD_BACK_FILES = [HELD_BACK / "train.jsonl", HELD_BACK / "validation.jsonl"]
HELD_OUT_FILES = [OOD_DIR / "test.jsonl", SEED_DIR / "test.jsonl", CHALLENGE_DIR / "notes.jsonl"]


@pytest.fixture(scope="module")
def report(taxonomy: Taxonomy, areas: Areas) -> CheckReport:
    return check_files(BROAD_FILES, taxonomy=taxonomy, areas=areas)


def _key(text: str) -> str:
    """A text with case, punctuation and spacing folded: what makes two notes 'the same'."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _texts(paths: list[Path]) -> dict[str, str]:
    return {row["id"]: row["text"] for path in paths for row in _rows(path)}


def test_broad_corpus_passes_the_checker(report: CheckReport) -> None:
    assert [str(p) for p in report.problems] == []


def test_broad_corpus_has_every_theme_and_minimal_pairs(report: CheckReport) -> None:
    stats = report.stats
    assert stats.notes >= 7000
    for theme in ("lighting", "harassment", "isolation", "transport"):
        assert stats.share(stats.themes[theme]) >= 0.2, theme
    pairs = [located.note.pair for located in report.notes if located.note.pair]
    assert len(set(pairs)) >= 500
    assert all(pairs.count(pair) == 2 for pair in set(pairs))


def test_held_back_notes_pass_the_checker_and_are_not_trained_on(
    taxonomy: Taxonomy, areas: Areas
) -> None:
    held_back = check_files(HELD_BACK_FILES, taxonomy=taxonomy, areas=areas)
    assert [str(p) for p in held_back.problems] == []
    assert not set(_texts(HELD_BACK_FILES)) & set(_texts(BROAD_FILES))


def test_no_training_note_is_also_a_held_out_note() -> None:
    candidates = [*BROAD_FILES, *HELD_BACK_FILES, SEED_DIR / "train.jsonl"]
    training = {_key(t) for t in _texts(candidates).values()}
    held_out = _texts(HELD_OUT_FILES)
    shared = sorted(note_id for note_id, text in held_out.items() if _key(text) in training)
    assert shared == []


@pytest.mark.parametrize(
    ("files", "folder"), [(BROAD_FILES, BROAD_DIR), (HELD_BACK_FILES, HELD_BACK)]
)
def test_second_labelling_covers_a_tenth_of_the_notes_by_known_ids(
    files: list[Path], folder: Path
) -> None:
    notes = _texts(files)
    second = read_label_sets([folder / "agreement" / "second_pass.jsonl"])
    assert set(second) <= set(notes)
    assert len(second) >= 0.1 * len(notes)
    writers = {note_id.split("-")[0] for note_id in notes}
    assert writers == {note_id.split("-")[0] for note_id in second}  # every writer sampled


@pytest.mark.parametrize("folder", [BROAD_DIR, HELD_BACK])
def test_every_resolution_names_a_second_labelled_note_and_its_outcome(folder: Path) -> None:
    second = read_label_sets([folder / "agreement" / "second_pass.jsonl"])
    for resolution in _rows(folder / "agreement" / "resolutions.jsonl"):
        assert resolution["id"] in second
        assert sorted(resolution["second"]) == sorted(second[resolution["id"]])
        assert resolution["why"].strip()
