"""`walktalk counts rebuild`: recompute the pre-aggregated count cells."""

from __future__ import annotations

import typer

from cli.context import context

app = typer.Typer(help="Maintain the tables behind /v1/counts.", no_args_is_help=True)


@app.command("rebuild")
def rebuild() -> None:
    """Recompute the count cells from the notes; say how many cells were off.

    The cells are kept up to date as notes arrive and are reviewed, so this is
    needed only after notes were written behind the API's back (a bulk load,
    a manual fix), or to check that the cells agree with the notes.

    Example: walktalk counts rebuild
    """
    from api.counts import cells
    from api.store import open_store

    with open_store(context().settings) as session:
        before = cells.snapshot(session)
        total = cells.rebuild(session)
        after = cells.snapshot(session)
    off = sum(before.get(key) != counts for key, counts in after.items())
    off += sum(key not in after for key in before)
    typer.echo(
        f"rebuilt {total:,} count cells (by area, by hour and light, and by light); "
        f"{off:,} differed from the stored ones"
    )
