"""`walktalk places evaluate`: place finding and area inference on labelled notes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import context
from nlp.resources import DATA_DIR

if TYPE_CHECKING:
    from spacy.language import Language

app = typer.Typer(help="Places: evaluate finding and resolving them.", no_args_is_help=True)

DEFAULT_PLACES_DATA = DATA_DIR / "places" / "notes.jsonl"


@app.command("evaluate")
def evaluate(
    data: Annotated[
        Path, typer.Option("--data", help="Labelled places file (JSON lines).")
    ] = DEFAULT_PLACES_DATA,
    spacy: Annotated[
        bool, typer.Option("--spacy/--no-spacy", help="Also score pattern + spaCy entities.")
    ] = True,
) -> None:
    """Span precision/recall, borough accuracy and area inference, before and after the
    park and street gazetteers, pattern-only and with the spaCy pipeline.

    Example: walktalk places evaluate --no-spacy
    """
    from nlp.gazetteer import load_gazetteer
    from nlp.pipeline import load_pipeline
    from training.places_eval import evaluate_places, load_places_notes

    ctx = context()
    settings = ctx.settings
    notes = load_places_notes(data, ctx.areas)
    common = {"districts_path": settings.districts_path}
    gazetteers = {
        "before": load_gazetteer(settings.stations_path, ctx.areas, **common),
        "after": load_gazetteer(
            settings.stations_path,
            ctx.areas,
            **common,
            parks_path=settings.parks_path,
            streets_path=settings.streets_path,
        ),
    }
    pipeline = load_pipeline(settings.spacy_model, settings.pii_ner_path) if spacy else None
    runs: list[tuple[str, str, Language | None]] = [(name, "pattern", None) for name in gazetteers]
    if pipeline is not None:
        runs += [(name, "pattern+spaCy", pipeline) for name in gazetteers]
    gold = sum(len(n.places) for n in notes)
    typer.echo(f"notes: {len(notes)}   gold places: {gold}   ({data})")
    header = (
        f"  {'gazetteer':<9} {'finder':<13} {'P exact':>7} {'R exact':>7} {'P overlap':>9} "
        f"{'R overlap':>9} {'kind':>5} {'borough 1':>12} {'boroughs 2+':>12} "
        f"{'area cov':>8} {'area acc':>8} {'borough R':>9} {'notes/s':>8}"
    )
    typer.echo(header)
    for name, finder, nlp in runs:
        r = evaluate_places(notes, gazetteers[name], ctx.areas, nlp)
        typer.echo(
            f"  {name:<9} {finder:<13} {r.exact_precision:>7.3f} {r.exact_recall:>7.3f} "
            f"{r.overlap_precision:>9.3f} {r.overlap_recall:>9.3f} {r.kind_agreement:>5.2f} "
            f"{r.resolved_one_accuracy:>6.3f} ({r.resolved_one:>3}) "
            f"{r.resolved_several_accuracy:>6.3f} ({r.resolved_several:>3}) "
            f"{r.area_coverage:>8.3f} {r.area_accuracy:>8.3f} {r.borough_recall:>9.3f} "
            f"{r.notes_per_second:>8.0f}"
        )
