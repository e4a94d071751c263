"""Load labelled notes for training with Hugging Face `datasets`.

JSON lines, CSV and Parquet files are read by `datasets` (one loader per
format), then every row is validated exactly as `walktalk data check` does, so
a model is never trained on a note the checker would refuse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from datasets import Dataset, disable_progress_bars, load_dataset

from nlp.areas import Areas
from nlp.errors import DataFileError
from nlp.pii import PiiSpan
from nlp.redact import redact
from nlp.taxonomy import Taxonomy
from training.data_check import validate_record
from training.readers import labelled_files
from training.records import LabelledNote

_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def load_notes(paths: Sequence[Path], *, taxonomy: Taxonomy, areas: Areas) -> list[LabelledNote]:
    """Every note in the files under `paths`; any invalid row stops with its location."""
    notes: list[LabelledNote] = []
    for path in labelled_files(list(paths)):
        for number, row in enumerate(_read(path), start=1):
            note, messages = validate_record(_clean(row, path), taxonomy=taxonomy, areas=areas)
            if note is None:
                raise DataFileError(
                    f"{path}, record {number}: {'; '.join(messages)}",
                    hint=f"Run `walktalk data check {path}` to see every problem at once.",
                )
            notes.append(note)
    if not notes:
        raise DataFileError(f"No labelled notes in {', '.join(map(str, paths))}.")
    return notes


def label_matrix(notes: Sequence[LabelledNote], theme_names: Sequence[str]) -> np.ndarray:
    """Rows are notes, columns themes in taxonomy order, 1 where labelled."""
    return np.array([[name in note.themes for name in theme_names] for note in notes], dtype=int)


def fingerprint(notes: Sequence[LabelledNote]) -> str:
    """A short hash of ids, texts and labels: the same data gives the same value."""
    digest = hashlib.sha256()
    for note in sorted(notes, key=lambda n: n.id):
        digest.update(json.dumps([note.id, note.text, sorted(note.themes)]).encode())
    return digest.hexdigest()[:16]


def _read(path: Path) -> Dataset:
    disable_progress_bars()  # a bar per small file is noise in the CLI and the logs
    try:
        dataset = load_dataset(
            _BUILDERS[path.suffix], data_files=str(path), split="train", keep_in_memory=True
        )
    except Exception as err:  # datasets wraps parser errors in several types
        raise DataFileError(
            f"Hugging Face datasets could not read {path}: {type(err).__name__}.",
            hint=f"Run `walktalk data check {path}` to find the broken line.",
        ) from err
    if not isinstance(dataset, Dataset):
        raise DataFileError(f"{path} did not load as a single table of notes.")
    return dataset


def _clean(row: dict[str, object], path: Path) -> dict[str, object]:
    """Drop columns that are null for this row; split CSV theme cells on ';'."""
    record = {key: value for key, value in row.items() if value is not None}
    if path.suffix == ".csv":
        for key in ("themes", "hard"):
            if key in row:  # an empty cell in a present column means "none"
                cell = str(row[key] or "")
                record[key] = [part.strip() for part in cell.split(";") if part.strip()]
        if isinstance(record.get("pii"), str):
            record["pii"] = json.loads(str(record["pii"]))
        if "id" in record:
            record["id"] = str(record["id"])
    return record


def model_text(note: LabelledNote) -> str:
    """The text a model sees: the note with its labelled PII replaced by types.

    Stored notes are redacted before they are classified, so a model learns and
    is scored on redacted text too ("Pt [PERSON] says..."), never on names.
    """
    spans = [PiiSpan(span.start, span.end, span.label) for span in note.pii]
    return redact(note.text, spans).text
