"""`walktalk data ...`: check labelled files and make stratified splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.settings import Settings
from nlp.areas import load_areas
from nlp.taxonomy import load_taxonomy

app = typer.Typer(help="Check labelled data and split it.", no_args_is_help=True)

PathsArg = Annotated[
    list[Path], typer.Argument(help="Labelled .jsonl or .csv files, or folders of them.")
]


@app.command("check")
def check(
    paths: PathsArg,
    threshold: Annotated[
        float,
        typer.Option(help="Character 5-gram Jaccard at which texts count as near-duplicates."),
    ] = 0.8,
    max_problems: Annotated[
        int, typer.Option(help="Print at most this many problems (all are counted).")
    ] = 200,
) -> None:
    """Validate labelled files: schema, themes, areas, PII spans, duplicates; print counts.

    Example: walktalk data check data/seed data/broad
    """
    from training.corpus_stats import stats_lines
    from training.data_check import check_files

    settings = Settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    report = check_files(
        paths,
        taxonomy=taxonomy,
        areas=load_areas(settings.areas_path),
        near_duplicate_threshold=threshold,
    )
    for problem in report.problems[:max_problems]:
        typer.echo(str(problem))
    if len(report.problems) > max_problems:
        typer.echo(f"... and {len(report.problems) - max_problems} more problems")
    typer.echo(f"files: {', '.join(str(path) for path in report.files)}")
    for line in stats_lines(report.stats, taxonomy.names):
        typer.echo(line)
    if report.ok:
        typer.secho("OK: no problems found", fg=typer.colors.GREEN)
        return
    typer.secho(f"FAILED: {len(report.problems)} problem(s)", fg=typer.colors.RED)
    raise typer.Exit(code=1)


@app.command("split")
def split(
    paths: PathsArg,
    out: Annotated[Path, typer.Option(help="Folder to write train/validation/test .jsonl into.")],
    validation: Annotated[float, typer.Option(help="Share of notes for validation.")] = 0.1,
    test: Annotated[float, typer.Option(help="Share of notes for test.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Random seed, so the split can be remade.")] = 13,
) -> None:
    """Split checked notes into train / validation / test by multi-label stratification.

    Example: walktalk data split my-notes.jsonl --out data/mine
    """
    from training.data_check import check_files
    from training.splits import SPLIT_NAMES, stratified_splits

    settings = Settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    report = check_files(paths, taxonomy=taxonomy, areas=load_areas(settings.areas_path))
    if not report.ok:
        typer.echo(
            f"Refusing to split: {len(report.problems)} problem(s); run `walktalk data check` first."
        )
        raise typer.Exit(code=1)
    notes = [item.note for item in report.notes]
    splits = stratified_splits(notes, taxonomy.names, validation=validation, test=test, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for name in SPLIT_NAMES:
        path = out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for note in splits[name]:
                record = note.model_dump(mode="json", exclude_defaults=True)
                record["themes"] = list(note.themes)
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        typer.echo(f"{name}: {len(splits[name])} notes -> {path}")


@app.command("agreement")
def agreement(
    first: Annotated[Path, typer.Argument(help="Labelled file or folder (the first labeller).")],
    second: Annotated[Path, typer.Argument(help="File or folder of {id, themes} (the second).")],
) -> None:
    """Cohen's kappa per theme between two labellings of the same notes.

    Example: walktalk data agreement first.jsonl second.jsonl
    """
    from training.agreement import agreement_per_theme, disagreements
    from training.readers import read_label_sets

    taxonomy = load_taxonomy(Settings().taxonomy_path)
    a, b = read_label_sets([first]), read_label_sets([second])
    results = agreement_per_theme(a, b, taxonomy.names)
    typer.echo(f"notes labelled by both: {len(set(a) & set(b))}")
    typer.echo(
        f"  {'theme':<12} {'kappa':>6} {'agree':>6} {'both':>5} {'1st':>5} {'2nd':>5} {'none':>5}"
    )
    for r in results:
        typer.echo(
            f"  {r.theme:<12} {r.kappa:>6.3f} {r.observed:>6.3f} {r.both:>5} "
            f"{r.first_only:>5} {r.second_only:>5} {r.neither:>5}"
        )
    differing = disagreements(a, b)
    typer.echo(f"notes with any disagreement: {len(differing)}")
    for note_id in differing:
        typer.echo(f"  {note_id}: {sorted(a[note_id])} vs {sorted(b[note_id])}")
