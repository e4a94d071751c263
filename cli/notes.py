"""`walktalk notes erase|expire`: a data subject's request, and the retention period."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from cli.context import context

app = typer.Typer(help="Erase stored notes.", no_args_is_help=True)


@app.command("erase")
def erase(
    note_id: Annotated[int | None, typer.Option("--id", min=1, help="The note's id.")] = None,
    external_id: Annotated[
        str | None, typer.Option(help="Every note sent with this external id.")
    ] = None,
) -> None:
    """Erase a note and everything derived from it (predictions, reviews, counts).

    An audit line records which note, why, who (this user) and when; never the text.

    Example: walktalk notes erase --external-id app-4411
    """
    from api.notes.erasure import erase_matching
    from api.store import open_store

    if (note_id is None) == (external_id is None):
        raise typer.BadParameter("give exactly one of --id and --external-id")
    with open_store(context().settings) as session:
        erased = erase_matching(
            session, note_id=note_id, external_id=external_id, by=f"cli:{getpass.getuser()}"
        )
    typer.echo(f"erased {erased} note(s)")


@app.command("expire")
def expire() -> None:
    """Erase every note older than WALKTALK_RETENTION_DAYS now (serve does it daily).

    Example: WALKTALK_RETENTION_DAYS=730 walktalk notes expire
    """
    from api.retention import expire_once

    settings = context().settings
    if settings.retention_days is None:
        typer.echo("WALKTALK_RETENTION_DAYS is not set: notes are kept; nothing erased")
        return
    erased = expire_once(settings)
    typer.echo(f"erased {erased} note(s) older than {settings.retention_days} days")
