"""Hugging Face datasets reads the three formats into the same validated notes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.areas import Areas
from nlp.errors import DataFileError
from nlp.taxonomy import Taxonomy
from training.dataset import fingerprint, label_matrix, load_notes

RECORDS = [
    {
        "id": "a",
        "text": "Dark path, lamps out",
        "themes": ["lighting"],
        "source": "participant",
        "pii": [{"start": 0, "end": 4, "label": "PERSON"}],
    },
    {"id": "b", "text": "Man followed me off the bus", "themes": ["harassment", "transport"]},
    {"id": "c", "text": "Thanks for the walk", "themes": []},
]


def write_all_formats(folder: Path) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl = folder / "n.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    csv = folder / "n.csv"
    csv.write_text(
        "id,text,themes,source,pii\n"
        'a,"Dark path, lamps out",lighting,participant,"[{""start"": 0, ""end"": 4, ""label"": ""PERSON""}]"\n'
        "b,Man followed me off the bus,harassment;transport,,\n"
        "c,Thanks for the walk,,,\n",
        encoding="utf-8",
    )
    parquet = folder / "n.parquet"
    rows = [{**r, "pii": json.dumps(r.get("pii", []))} for r in RECORDS]
    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != "pii"} for r in rows])
    pq.write_table(table, parquet)
    return {"jsonl": jsonl, "csv": csv, "parquet": parquet}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_format_loads_the_same_labels(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas, fmt: str
) -> None:
    path = write_all_formats(tmp_path)[fmt]
    notes = load_notes([path], taxonomy=taxonomy, areas=areas)
    assert [n.id for n in notes] == ["a", "b", "c"]
    expected = np.array([[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(label_matrix(notes, taxonomy.names), expected)


def test_jsonl_and_csv_keep_pii_spans(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    paths = write_all_formats(tmp_path)
    for fmt in ("jsonl", "csv"):
        (first, *_) = load_notes([paths[fmt]], taxonomy=taxonomy, areas=areas)
        assert [(s.start, s.end, s.label) for s in first.pii] == [(0, 4, "PERSON")]


def test_fingerprint_changes_with_a_label(taxonomy: Taxonomy, areas: Areas, tmp_path: Path) -> None:
    path = write_all_formats(tmp_path)["jsonl"]
    notes = load_notes([path], taxonomy=taxonomy, areas=areas)
    relabelled = [notes[0].model_copy(update={"themes": ("isolation",)}), *notes[1:]]
    assert fingerprint(notes) == fingerprint(list(reversed(notes)))
    assert fingerprint(notes) != fingerprint(relabelled)


def test_unreadable_file_points_to_the_checker(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "a", "text": "x", "themes": []}\n{broken\n', encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_notes([path], taxonomy=taxonomy, areas=areas)
    assert "walktalk data check" in (err.value.hint or "")
