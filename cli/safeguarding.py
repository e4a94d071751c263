"""`walktalk safeguarding`: the flag for notes a person must read soon."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import context

app = typer.Typer(
    help="The safeguarding flag: notes that disclose harm to a person, for urgent reading.",
    no_args_is_help=True,
)


@app.command("train")
def train(
    name: Annotated[str | None, typer.Option(help="Version name (default: flag-<time>).")] = None,
) -> None:
    """Train the flag on the labelled corpora, score it, and make it the active flag.

    Example: walktalk safeguarding train --name flag-v2
    """
    from training.safeguarding import train_flag

    ctx = context()
    typer.echo("training the safeguarding flag (about 20 s)...", err=True)
    card = train_flag(
        ctx.flag_registry,
        taxonomy=ctx.taxonomy,
        areas=ctx.areas,
        redactor=ctx.redactor,
        name=name,
        folder=ctx.settings.safeguarding_path,
        corpora=ctx.settings.corpora(),
    )
    typer.echo(f"active flag: {card['version']} (threshold {card['threshold']:.4f})")
    for split in ("validation", "held_out"):
        if split in card:
            s = card[split]
            typer.echo(
                f"  {split}: recall {s['recall']:.3f}  precision {s['precision']:.3f}  "
                f"({s['flagged']} flagged of {s['notes']} notes, {s['urgent']} urgent)"
            )


@app.command("rescore")
def rescore(
    everything: Annotated[
        bool, typer.Option("--all", help="Score every note again, not only unscored ones.")
    ] = False,
) -> None:
    """Score stored notes with the active flag (notes stored before it have no score).

    A note newly flagged joins the safeguarding queue; one already read keeps its
    record. Themes and counts do not change.

    Example: walktalk safeguarding rescore
    """
    from api.safeguarding.flagger import Flagger
    from api.safeguarding.rescore import rescore_notes
    from api.store import store_sessions

    ctx = context()
    flagger = Flagger(ctx.flag_registry)
    with store_sessions(ctx.settings) as sessions, sessions() as session:
        scored, flagged = rescore_notes(session, flagger, everything=everything)
    typer.echo(f"scored {scored} note(s); {flagged} flagged for safeguarding")
