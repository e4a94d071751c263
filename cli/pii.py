"""`walktalk redact` and `walktalk pii evaluate`."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import Context, context

if TYPE_CHECKING:
    from nlp.gazetteer import Gazetteer
    from nlp.pii import PiiDetector

app = typer.Typer(help="Personal data: evaluate detection.", no_args_is_help=True)


def build_detector(ctx: Context) -> tuple[PiiDetector, Gazetteer]:
    """The same detector the API uses, built from the settings."""
    detector = ctx.redactor.detector
    return detector, detector.gazetteer


@app.command("evaluate")
def evaluate(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", help="Labelled files with pii spans (default: seed validation and test)."
        ),
    ] = None,
) -> None:
    """Precision and recall per PII type on labelled spans; share of place names left alone.

    Example: walktalk pii evaluate --data data/pii/heldout.jsonl
    """
    from training.dataset import load_notes
    from training.pii_eval import evaluate_pii

    ctx = context()
    paths = data or [
        ctx.settings.seed_path / "validation.jsonl",
        ctx.settings.seed_path / "test.jsonl",
    ]
    notes = load_notes(paths, taxonomy=ctx.taxonomy, areas=ctx.areas)
    detector, gazetteer = build_detector(ctx)
    result = evaluate_pii(detector, notes, gazetteer)
    typer.echo(f"notes: {result.notes}   notes/s: {result.notes_per_second}")
    typer.echo(f"  {'type':<12} {'precision':>9} {'recall':>7} {'support':>8} {'detected':>9}")
    for label, scores in result.per_type.items():
        typer.echo(
            f"  {label:<12} {scores.precision:>9.3f} {scores.recall:>7.3f} {scores.support:>8} {scores.detected:>9}"
        )
    typer.echo(f"overall precision: {result.precision:.3f}")
    typer.echo(f"place names left unredacted: {result.places_kept:.3f} of {result.places}")


def redact_command(
    input: Annotated[
        str, typer.Option("--input", help="JSON lines with id and text, or - for stdin.")
    ] = "-",
    output: Annotated[str, typer.Option("--output", help="File to write, or - for stdout.")] = "-",
) -> None:
    """Redact personal data from notes: {"id", "text"} lines in, {"id", "text", "pii"} out.

    Example: walktalk redact --input notes.jsonl --output redacted.jsonl
    """
    ctx = context()
    redactor = ctx.redactor
    with ExitStack() as stack:
        source = (
            sys.stdin if input == "-" else stack.enter_context(Path(input).open(encoding="utf-8"))
        )
        sink = (
            sys.stdout
            if output == "-"
            else stack.enter_context(Path(output).open("w", encoding="utf-8"))
        )
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                note_id, text = record["id"], record["text"]
                if not isinstance(text, str):
                    raise TypeError("text")
            except (json.JSONDecodeError, KeyError, TypeError):
                typer.echo(
                    f"line {number}: needs a JSON object with 'id' and a 'text' string", err=True
                )
                raise typer.Exit(code=1) from None
            redacted = redactor.redact_many([text])[0]
            sink.write(
                json.dumps({"id": note_id, "text": redacted.text, "pii": redacted.types}) + "\n"
            )
