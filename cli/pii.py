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


@app.command("train")
def train(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="Labelled files with PERSON spans (default: the seed and broad train splits, "
            "data/pii/challenge.jsonl and data/pii/train.jsonl).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write (default: WALKTALK_PII_NER_PATH)."),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option("--epochs", min=1, max=50, help="Passes over the notes (10).")
    ] = None,
) -> None:
    """Fine-tune the spaCy entity recogniser to find people as notes name them.

    Writes the tuned weights and a card (the data's hashes, the losses, recall and
    precision per PII type on the held-out sets), then scores it. About a minute an
    epoch on one core.

    Example: walktalk pii train --out /tmp/pii-ner && WALKTALK_PII_NER_PATH=/tmp/pii-ner walktalk pii evaluate
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from api.app import build_gazetteer
    from nlp.pii import load_given_names
    from training.dataset import load_notes
    from training.person_ner import (
        EPOCHS,
        default_training_files,
        fine_tune,
        save,
        score_held_out,
    )

    ctx = context()
    settings = ctx.settings
    paths = data or default_training_files(settings.seed_path, settings.broad_path)
    folder = out or settings.pii_ner_path
    if folder is None:
        raise typer.BadParameter("give --out: WALKTALK_PII_NER_PATH is empty", param_hint="--out")
    notes = load_notes(paths, taxonomy=ctx.taxonomy, areas=ctx.areas)
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("fine-tuning", total=epochs or EPOCHS)
        trained = fine_tune(
            notes,
            pipeline=settings.spacy_model,
            epochs=epochs or EPOCHS,
            on_epoch=lambda epoch, loss: bar.update(
                task, completed=epoch, description=f"epoch {epoch}: loss {loss:,.0f}"
            ),
        )
    gazetteer = build_gazetteer(settings, ctx.areas)
    given_names = load_given_names(settings.given_names_path)
    scores = score_held_out(trained.nlp, gazetteer, given_names, ctx.taxonomy, ctx.areas)
    save(trained, folder, paths, {"held_out": scores})
    typer.echo(f"tuned on {trained.notes} notes ({trained.names} names); saved to {folder}")
    for name, per_type in scores.items():
        person = per_type["PERSON"]
        typer.echo(
            f"  {name}: PERSON precision {person['precision']:.3f} recall {person['recall']:.3f}"
        )


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
