"""Confident learning flags notes labelled against the rest of the data."""

from __future__ import annotations

from nlp.areas import Areas
from nlp.resources import SEED_DIR
from nlp.taxonomy import Taxonomy
from training.label_issues import check_labels
from training.records import LabelledNote
from training.train import load_seed


def test_flipped_labels_are_flagged(taxonomy: Taxonomy, areas: Areas) -> None:
    seed = load_seed(SEED_DIR, taxonomy=taxonomy, areas=areas)
    notes = seed.validation[:120]
    names = taxonomy.names
    flipped = {n.id for n in notes[:8] if n.themes}
    relabelled = [
        n.model_copy(update={"themes": tuple(t for t in names if t not in n.themes)})
        if n.id in flipped
        else n
        for n in notes
    ]
    checks = check_labels(relabelled, seed.train, names, folds=3)
    flagged = {c.note_id for c in checks if c.flagged}
    caught = len(flagged & flipped) / len(flipped)
    assert caught >= 0.75, (flagged, flipped)
    assert len(flagged - flipped) <= 0.1 * (len(notes) - len(flipped))
    quality = {c.note_id: c.quality for c in checks}
    mean_flipped = sum(quality[i] for i in flipped) / len(flipped)
    mean_rest = sum(q for i, q in quality.items() if i not in flipped) / (len(notes) - len(flipped))
    assert mean_flipped < mean_rest


def test_too_few_notes_flag_nothing(taxonomy: Taxonomy) -> None:
    note = LabelledNote(id="a", text="dark path", themes=("lighting",))
    assert [c.flagged for c in check_labels([note], [], taxonomy.names)] == [False]
