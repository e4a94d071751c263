"""Read labelled files line by line, keeping line numbers for every problem.

A labelled file comes from an analyst's spreadsheet or an export; any line can
be broken in its own way. Each reader yields (line number, record) or
(line number, problem) so a checker can report every bad line at once instead
of stopping at the first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nlp.errors import DataFileError

SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
Row = tuple[int, dict[str, object] | str]


def labelled_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the labelled files inside them, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise DataFileError(f"No file or folder at {path}.")
    if not found:
        raise DataFileError(
            f"No labelled files (.jsonl, .csv, .parquet) found in {', '.join(map(str, paths))}."
        )
    return found


def read_rows(path: Path) -> Iterator[Row]:
    """Yield (line, record) or (line, problem message) for every non-blank line."""
    if path.suffix == ".csv":
        yield from _csv_rows(path)
    elif path.suffix == ".parquet":
        yield from _parquet_rows(path)
    elif path.suffix in (".jsonl", ".json"):
        yield from _jsonl_rows(path)
    else:
        raise DataFileError(
            f"{path} has suffix {path.suffix!r}; labelled files are .jsonl, .csv or .parquet."
        )


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open("rb") as handle:
        yield from jsonl_rows(handle)


def jsonl_rows(stream: IO[bytes]) -> Iterator[Row]:
    """(line, object) or (line, problem) for each non-blank line of a JSON lines stream."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, "is not valid UTF-8 text"
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as err:
            yield number, f"is not valid JSON ({err.msg} at column {err.colno})"
            continue
        if not isinstance(record, dict):
            yield number, f"must be a JSON object, got {type(record).__name__}"
            continue
        yield number, record


def _parquet_rows(path: Path) -> Iterator[Row]:
    """Parquet rows, numbered from 1 like lines (no header line)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise DataFileError(f"{path} is not a readable Parquet file: {err}") from err
    for number, record in enumerate(table.to_pylist(), start=1):
        yield number, {key: value for key, value in record.items() if value is not None}


def _csv_rows(path: Path) -> Iterator[Row]:
    """CSV rows: themes and hard cases separated by ';', pii as a JSON list."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileError(f"{path} is not valid UTF-8 text (byte {err.start}).") from err
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        number = reader.line_num
        if None in row:
            yield number, "has more cells than the header has columns"
            continue
        yield number, _csv_record(row)


def _csv_record(row: dict[str, str]) -> dict[str, object] | str:
    record: dict[str, object] = {key: value for key, value in row.items() if value != ""}
    for key in ("themes", "hard"):
        if key in row:
            record[key] = [part.strip() for part in row[key].split(";") if part.strip()]
    if row.get("pii"):
        try:
            record["pii"] = json.loads(row["pii"])
        except json.JSONDecodeError:
            return "has a pii cell that is not a JSON list of spans"
    return record


def read_label_sets(paths: list[Path]) -> dict[str, list[str]]:
    """Just the id -> themes of labelled files, e.g. a blind second labelling pass."""
    labels: dict[str, list[str]] = {}
    for path in labelled_files(paths):
        for line, row in read_rows(path):
            if isinstance(row, str):
                raise DataFileError(f"{path}:{line}: line {row}")
            note_id, themes = row.get("id"), row.get("themes")
            if not isinstance(note_id, str) or not isinstance(themes, list):
                raise DataFileError(f"{path}:{line}: needs a string 'id' and a 'themes' list")
            labels[note_id] = [str(theme) for theme in themes]
    return labels
