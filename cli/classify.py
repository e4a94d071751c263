"""`walktalk classify`: stream notes in, themes out, one JSON line per note.

Input is JSON lines (`{"id": ..., "text": ...}`, other fields ignored) or CSV
with `id,text` columns; output is JSON lines in input order. Notes are read and
classified in batches, so a file of any size streams in constant memory. A bad
line is reported on stderr with its number; `--on-error skip` goes on without
it, `--on-error fail` (the default) stops there. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from api.classify.lines import BadLineError, check_record
from cli.context import active_predictor, context
from nlp.ahead import ahead
from nlp.prepare import prepare_texts

if TYPE_CHECKING:
    from models.predict import EvidenceSource, Prediction
    from nlp.redact import Redacted, Redactor
from training.readers import jsonl_rows

BATCH = 256
console = Console(stderr=True)


class OnError(StrEnum):
    fail = "fail"
    skip = "skip"


class Format(StrEnum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"


def classify(
    input: Annotated[str, typer.Option("--input", help="File to read, or - for stdin.")] = "-",
    output: Annotated[str, typer.Option("--output", help="File to write, or - for stdout.")] = "-",
    input_format: Annotated[Format, typer.Option("--format", help="Input format.")] = Format.auto,
    on_error: Annotated[
        OnError, typer.Option(help="Stop at a bad line, or skip it.")
    ] = OnError.fail,
    model: Annotated[str | None, typer.Option(help="Model version (default: active).")] = None,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence",
            help="Evidence spans from the model itself (occlusion: slower, about three model "
            "calls per word) instead of the cue lexicon.",
        ),
    ] = False,
) -> None:
    """Classify notes from JSON lines or CSV; write themes, scores and evidence as JSON lines.

    Example: walktalk classify --input notes.jsonl --output themes.jsonl --evidence
    """
    ctx = context()
    predictor = active_predictor(ctx, model)
    redactor = ctx.redactor
    fmt = _format(input, input_format)
    with ExitStack() as stack:
        source = sys.stdin.buffer if input == "-" else stack.enter_context(Path(input).open("rb"))
        sink = (
            sys.stdout
            if output == "-"
            else stack.enter_context(Path(output).open("w", encoding="utf-8"))
        )
        records = stack.enter_context(closing(_records(source, fmt)))
        source_of_evidence: EvidenceSource = "model" if evidence else "cues"
        written, skipped = _run(
            partial(predictor.classify, evidence=source_of_evidence),
            redactor,
            records,
            sink,
            on_error,
        )
    console.print(
        f"classified {written} notes with {predictor.version}; skipped {skipped} bad lines"
    )


Classify = Callable[[Sequence[str]], "list[Prediction]"]


def _run(
    predictor: Classify,
    redactor: Redactor,
    records: Iterator[tuple[int, dict[str, object] | str]],
    sink: IO[str],
    on_error: OnError,
) -> tuple[int, int]:
    """Classify batch by batch, the next batch redacted while this one is classified."""
    tally = _Tally()
    batches = _batches(records, on_error, tally)

    def prepare(batch: list[tuple[str, str]]) -> list[Redacted]:
        return prepare_texts([text for _, text in batch], redactor)

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("classifying", total=None)
        for batch, prepared in ahead(batches, prepare):
            tally.written += _write(predictor, batch, prepared, sink)
            bar.update(task, description=f"classified {tally.written} notes")
    return tally.written, tally.skipped


@dataclass
class _Tally:
    written: int = 0
    skipped: int = 0


def _batches(
    records: Iterator[tuple[int, dict[str, object] | str]], on_error: OnError, tally: _Tally
) -> Iterator[list[tuple[str, str]]]:
    """Checked (id, text) pairs, `BATCH` at a time. With `--on-error fail`, the notes
    before the first bad line are still yielded, then the command exits with 1."""
    seen: set[int] = set()
    batch: list[tuple[str, str]] = []
    for line, record in records:
        try:
            batch.append(check_record(record, seen))
        except BadLineError as err:
            console.print(f"line {line}: {err}")
            if on_error is OnError.fail:
                if batch:
                    yield batch
                raise typer.Exit(code=1) from err
            tally.skipped += 1
            continue
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(
    predictor: Classify, batch: list[tuple[str, str]], prepared: list[Redacted], sink: IO[str]
) -> int:
    predictions = predictor([p.text for p in prepared])
    for (note_id, _), p, prediction in zip(batch, prepared, predictions, strict=True):
        sink.write(json.dumps({"id": note_id, "text": p.text, **asdict(prediction)}) + "\n")
    sink.flush()
    return len(batch)


def _format(path: str, chosen: Format) -> Format:
    if chosen is not Format.auto:
        return chosen
    return Format.csv if path.endswith(".csv") else Format.jsonl


def _records(
    stream: IO[bytes], fmt: Format
) -> Generator[tuple[int, dict[str, object] | str], None, None]:
    if fmt is Format.csv:
        yield from _csv_records(stream)
        return
    yield from jsonl_rows(stream)


def _csv_records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, object] | str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.DictReader(text)
    try:
        yield from _csv_rows(reader)
    finally:
        text.detach()  # the caller owns (and closes) the byte stream


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, object] | str]]:
    try:
        if reader.fieldnames is None or not {"id", "text"} <= set(reader.fieldnames):
            yield 1, f"the CSV header must name 'id' and 'text' columns, got {reader.fieldnames}"
            return
        for row in reader:
            yield reader.line_num, dict(row)
    except UnicodeDecodeError:
        yield reader.line_num + 1, "is not valid UTF-8 text (reading stopped here)"
