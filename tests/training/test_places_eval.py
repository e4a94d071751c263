"""The labelled places set loads with checked spans, and the scores add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.areas import Areas
from nlp.errors import DataFileError
from nlp.gazetteer import load_gazetteer
from nlp.resources import DATA_DIR, DEFAULT_DISTRICTS, DEFAULT_STATIONS, DEFAULT_STREETS
from training.places_eval import evaluate_places, load_places_notes


def test_the_shipped_set_loads_and_every_span_indexes_its_text(areas: Areas) -> None:
    notes = load_places_notes(DATA_DIR / "places" / "notes.jsonl", areas)
    assert len(notes) >= 150
    assert any(not n.places for n in notes)
    assert any(n.borough is None and n.bcu is not None for n in notes)


def test_a_span_that_does_not_match_its_text_is_refused(tmp_path: Path, areas: Areas) -> None:
    path = tmp_path / "bad.jsonl"
    row = {"text": "Mare St", "places": [{"start": 0, "end": 3, "kind": "street", "text": "Mare"}]}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError):
        load_places_notes(path, areas)


def test_scores_on_a_tiny_set(tmp_path: Path, areas: Areas) -> None:
    rows = [
        {
            "text": "Walked Mare St to Lordship Lane",
            "places": [
                {"start": 7, "end": 14, "kind": "street", "boroughs": ["Hackney"]},
                {"start": 18, "end": 31, "kind": "street", "boroughs": ["Southwark"]},
            ],
            "borough": "Hackney",
            "bcu": "Central East",
        },
        {"text": "Lovely walk", "places": [], "borough": None, "bcu": None},
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    gazetteer = load_gazetteer(
        DEFAULT_STATIONS, areas, districts_path=DEFAULT_DISTRICTS, streets_path=DEFAULT_STREETS
    )
    result = evaluate_places(load_places_notes(path, areas), gazetteer, areas)
    assert (result.exact_precision, result.exact_recall) == (1.0, 1.0)
    assert (result.resolved_one, result.resolved_one_accuracy) == (1, 1.0)
    assert (result.resolved_several, result.resolved_several_accuracy) == (1, 1.0)
    assert (result.area_coverage, result.area_accuracy, result.borough_recall) == (0.5, 1.0, 1.0)
