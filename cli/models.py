"""`walktalk models list|show|activate|rollback`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.context import context

app = typer.Typer(
    help="List, inspect, activate and roll back model versions.", no_args_is_help=True
)


@app.command("list")
def list_versions() -> None:
    """Every registered version; the active one is marked with *.

    Example: walktalk models list
    """
    versions = context().registry.versions()
    if not versions:
        typer.echo("no models registered; train one with `walktalk train`")
        return
    for info in versions:
        mark = "*" if info.active else " "
        ood, test, behaviour = (
            f"{value:.3f}" if value is not None else "  -  "
            for value in (info.ood_macro_f1, info.macro_f1, info.behaviour)
        )
        typer.echo(
            f"{mark} {info.version:<40} {info.kind:<11} macro-F1 OOD {ood} seed-test {test}"
            f"  behaviour {behaviour}  {info.created_at}"
        )


@app.command("show")
def show(
    version: Annotated[str | None, typer.Argument(help="Default: the active version.")] = None,
) -> None:
    """Print a version's model card as JSON.

    Example: walktalk models show tf-default
    """
    registry = context().registry
    typer.echo(json.dumps(registry.card(version or registry.require_active()), indent=2))


@app.command("activate")
def activate(
    version: str,
    force: Annotated[
        bool, typer.Option(help="Activate even if the promotion gate refuses.")
    ] = False,
) -> None:
    """Make a version active, if it is no worse than the active one on the seed test split.

    Example: walktalk models activate tf-default
    """
    from training.promotion import promote

    result = promote(context().registry, version, force=force)
    for reason in result.reasons:
        typer.echo(f"note: {reason}")
    typer.echo(f"active: {version}")


@app.command("rollback")
def rollback() -> None:
    """Re-activate the version that was active before the current one.

    Example: walktalk models rollback
    """
    typer.echo(f"active: {context().registry.rollback()}")
