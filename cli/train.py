"""`walktalk train` and `walktalk evaluate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.context import context
from models.kind_names import DEFAULT_KIND, DEFAULT_SEED, ENCODER_LAYERS
from models.precision import Precision

if TYPE_CHECKING:  # training pulls in torch, transformers and datasets: loaded when used
    from training.behaviour import BehaviourReport
    from training.evaluate import EvaluationReport
    from training.metrics import Scores

console = Console(stderr=True)


def train(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Labelled files to train on instead of the seed train split."),
    ] = None,
    kind: Annotated[
        str, typer.Option(help="transformer (the default), linear, encoder or hybrid.")
    ] = DEFAULT_KIND,
    name: Annotated[
        str | None, typer.Option(help="Version name (default: KIND-TIMESTAMP).")
    ] = None,
    layers: Annotated[
        int,
        typer.Option(
            min=1,
            max=ENCODER_LAYERS,
            help="transformer only: encoder blocks kept and tuned (6, all; 3 runs about "
            "twice as fast).",
        ),
    ] = ENCODER_LAYERS,
    seed: Annotated[
        int,
        typer.Option(
            min=0,
            help="transformer only: the seed for shuffling, dropout and the head; another seed "
            "shows how far a figure moves between runs on the same data.",
        ),
    ] = DEFAULT_SEED,
    precision: Annotated[
        Precision,
        typer.Option(
            help="transformer only: the number format of fine-tuning's products: bf16 "
            "(bfloat16, about twice as fast where the CPU has it natively), fp32, or auto "
            "(bf16 where the CPU has native bfloat16, else fp32).",
        ),
    ] = "auto",
    include_reviewed: Annotated[
        bool,
        typer.Option(
            "--include-reviewed",
            help="Also train on the notes reviewers labelled in the store (WALKTALK_DATABASE_URL).",
        ),
    ] = False,
) -> None:
    """Train a theme classifier, evaluate it on the held-out sets and register it.

    Example: walktalk train --kind linear --name quick-linear
    """
    from api.jobs.training import reviewed_notes
    from api.store import open_store
    from training.evaluate import HELD_OUT_TITLES
    from training.train import TrainConfig, run_training

    ctx = context()
    config = TrainConfig.model_validate(
        {
            "kind": kind,
            "data": data or [],
            "name": name,
            "layers": layers,
            "seed": seed,
            "precision": precision,
        }
    )
    extra = []
    if include_reviewed:
        with open_store(ctx.settings) as session:
            extra = reviewed_notes(session)
        typer.echo(f"adding {len(extra)} reviewed notes from the store", err=True)
    columns = (
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("training", total=None)
        result = run_training(
            config,
            corpora=ctx.settings.corpora(),
            registry=ctx.registry,
            taxonomy=ctx.taxonomy,
            areas=ctx.areas,
            progress=lambda step, done, total: bar.update(
                task, description=step, completed=done, total=total
            ),
            extra_notes=extra,
        )
    for set_name, report in result.reports.items():
        print_scores(
            f"{result.version} on {HELD_OUT_TITLES.get(set_name, set_name)}", report.overall
        )
    if result.behaviour is not None:
        print_behaviour(result.behaviour)
    used = result.card.get("training_precision")
    typer.echo(
        f"trained in {result.card['training_seconds']} s"
        + (f" (fine-tuned in {used})" if used else "")
    )
    typer.echo(f"registered {result.version} in {ctx.registry.location}")
    if result.activated:
        typer.echo(f"activated {result.version} (no model was active)")
    else:
        typer.echo(f"to use it: walktalk models activate {result.version}")


def evaluate(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="Labelled files to score on (default: the out-of-distribution set, the seed "
            "test split, the challenge set and the behavioural suite).",
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Version to evaluate (default: active).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the reports.")] = None,
) -> None:
    """Score a model on held-out notes and behavioural tests; write Markdown, JSON and plots.

    Example: walktalk evaluate --model linear-20261206-120000 --out reports/
    """
    from training.corpora import load_sets
    from training.dataset import load_notes
    from training.evaluate import (
        HELD_OUT_TITLES,
        evaluate_held_out,
        evaluate_model,
        write_held_out_reports,
        write_report,
    )

    ctx = context()
    version = model or ctx.registry.require_active()
    classifier = ctx.registry.load(version)
    folder = out or ctx.settings.home / "reports" / version
    if data:
        notes = load_notes(data, taxonomy=ctx.taxonomy, areas=ctx.areas)
        report = evaluate_model(classifier, notes, version=version)
        print_report(report)
        _wrote(write_report(report, folder))
        return
    sets = load_sets(ctx.settings.corpora(), taxonomy=ctx.taxonomy, areas=ctx.areas)
    reports, behaviour = evaluate_held_out(
        classifier, sets.held_out, sets.behaviour, version=version
    )
    for name, report in reports.items():
        print_scores(f"{version} on {HELD_OUT_TITLES.get(name, name)}", report.overall)
    if behaviour is not None:
        print_behaviour(behaviour)
    _wrote(write_held_out_reports(reports, behaviour, folder))


def _wrote(paths: list[Path]) -> None:
    for path in paths:
        typer.echo(f"wrote {path}")


def print_behaviour(report: BehaviourReport) -> None:
    table = Table(title=f"behavioural tests: {report.overall:.1%} passed")
    for column in ("capability", "cases", "pass rate"):
        table.add_column(column, justify="left" if column == "capability" else "right")
    for name, rate in report.rates.items():
        table.add_row(name, str(report.total[name]), f"{rate:.1%}")
    Console().print(table)


def print_report(report: EvaluationReport) -> None:
    print_scores(f"{report.model}: all notes", report.overall)
    for name, scores in report.subsets.items():
        print_scores(name.replace("_", " "), scores)
    table = Table(title="worst errors")
    for column in ("note", "theme", "p", "error", "excerpt"):
        table.add_column(column)
    for e in report.worst:
        table.add_row(e.note_id, e.theme, f"{e.probability:.3f}", e.error, e.excerpt[:70])
    Console().print(table)


def print_scores(title: str, scores: Scores) -> None:
    table = Table(title=f"{title} ({scores.notes} notes)")
    for column in ("theme", "precision", "recall", "F1", "support", "ECE"):
        table.add_column(column, justify="right" if column != "theme" else "left")
    for name, t in scores.per_theme.items():
        table.add_row(
            name,
            f"{t.precision:.3f}",
            f"{t.recall:.3f}",
            f"{t.f1:.3f}",
            str(t.support),
            f"{t.ece:.3f}",
        )
    table.add_row("macro", "", "", f"{scores.macro_f1:.3f}", "", f"{scores.ece:.3f}")
    table.add_row("micro", "", "", f"{scores.micro_f1:.3f}", "", "")
    table.add_row("exact match", "", "", f"{scores.exact_match:.3f}", "", "")
    Console().print(table)
