"""`walktalk models list|show|activate|rollback|delete|export|import`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.context import context

app = typer.Typer(
    help="List, inspect, activate, roll back and delete model versions.", no_args_is_help=True
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


@app.command("delete")
def delete(
    version: Annotated[str, typer.Argument(help="The version to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    safeguarding: Annotated[
        bool, typer.Option(help="Delete from the safeguarding flag's registry instead.")
    ] = False,
) -> None:
    """Delete a version for good: not the active one, nor the one rollback would restore,
    nor one an unfinished re-tag or classification job uses.

    Example: walktalk models delete linear-20261201-090000 --yes
    """
    ctx = context()
    registry = ctx.flag_registry if safeguarding else ctx.registry
    registry.card(version)  # an unknown version fails here, before the question
    if not safeguarding:  # jobs classify with theme versions only
        from api.jobs.pinned import refuse_if_pinned  # the database layer: only when deleting

        with ctx.sessions() as session:
            refuse_if_pinned(session, version)
    if not yes:
        typer.confirm(f"Delete {version} from {registry.location} for good?", abort=True)
    registry.delete(version)
    typer.echo(f"deleted {version} from {registry.location}")


@app.command("export")
def export(
    version: Annotated[str, typer.Argument(help="The version to export.")],
    to: Annotated[Path, typer.Option("--to", help="A folder to create (must not exist).")],
    safeguarding: Annotated[
        bool, typer.Option(help="Export from the safeguarding flag's registry instead.")
    ] = False,
) -> None:
    """Copy a version (files and card) out of this deployment's model store into a folder.

    Example: walktalk models export tf-default --to ./tf-default
    """
    if to.exists():
        raise typer.BadParameter(f"{to} already exists; name a new folder.", param_hint="--to")
    ctx = context()
    registry = ctx.flag_registry if safeguarding else ctx.registry
    registry.export(version, to)
    typer.echo(f"exported {version} from {registry.location} to {to}")


@app.command("import")
def import_version(
    folder: Annotated[Path, typer.Argument(help="A folder written by `walktalk models export`.")],
    name: Annotated[
        str | None, typer.Option(help="Register under this name (default: the card's).")
    ] = None,
    activate: Annotated[bool, typer.Option(help="Activate it if no version is active yet.")] = True,
    safeguarding: Annotated[
        bool, typer.Option(help="Import into the safeguarding flag's registry instead.")
    ] = False,
) -> None:
    """Register an exported version in this deployment's model store (folders or database).

    Example: WALKTALK_MODEL_STORE=database walktalk models import ./tf-default
    """
    from models.registry import read_exported_card

    ctx = context()
    registry = ctx.flag_registry if safeguarding else ctx.registry
    version = name or str(read_exported_card(folder).get("version") or folder.name)
    registry.import_folder(folder, version=version)
    typer.echo(f"imported {version} into {registry.location}")
    if activate and registry.active() is None:
        registry.set_active(version, reason="imported as the first model")
        typer.echo(f"active: {version}")
