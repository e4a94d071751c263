"""The `walktalk` command: one entry point, a sub-command per job.

Each command parses its arguments, reads the settings once, calls one plain
function from nlp/, models/, training/ or api/, and prints the outcome. A
deliberate walktalk error is shown as a titled message with its hint and exit
code 2, never as a traceback.
"""

from __future__ import annotations

import sys

import typer

from cli import (
    classify,
    counts,
    data,
    keys,
    models,
    notes,
    pii,
    places,
    safeguarding,
    serve,
    train,
    worker,
)
from nlp.errors import WalktalkError

app = typer.Typer(
    name="walktalk",
    help="Sort free-text safety notes into themes, and count them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(models.app, name="models")
app.add_typer(keys.app, name="keys")
app.add_typer(pii.app, name="pii")
app.add_typer(places.app, name="places")
app.add_typer(counts.app, name="counts")
app.add_typer(notes.app, name="notes")
app.add_typer(safeguarding.app, name="safeguarding")
app.command("redact")(pii.redact_command)
app.command("serve")(serve.serve)
app.command("init")(serve.init)
app.command("worker")(worker.worker)
app.command("train")(train.train)
app.command("evaluate")(train.evaluate)
app.command("classify")(classify.classify)


def main() -> None:
    """Console-script entry point: run the app, turning our errors into messages."""
    try:
        app()
    except WalktalkError as err:
        typer.secho(f"Error: {err.title}", fg=typer.colors.RED, err=True)
        typer.echo(f"  {err.message}", err=True)
        if err.hint:
            typer.echo(f"  Hint: {err.hint}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
