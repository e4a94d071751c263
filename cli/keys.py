"""`walktalk keys create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer

from api.auth.roles import Role
from cli.context import context

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (the client name).")],
) -> None:
    """Create a key and print it once; only its hash is stored.

    Example: walktalk keys create --role reader --name dashboard
    """
    from api.auth.keys import create_key
    from api.store import open_store

    with open_store(context().settings) as session:
        key, plain = create_key(session, name=name, role=role.value)
        key_id = key.id
    typer.echo(plain)
    typer.echo(
        f"created key {key_id} ({role.value}) for {name}; it is shown only this once", err=True
    )


@app.command("list")
def list_all() -> None:
    """Every key: id, name, role, created, revoked (never the key itself).

    Example: walktalk keys list
    """
    from api.auth.keys import list_keys
    from api.store import open_store

    with open_store(context().settings) as session:
        for key in list_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(
                f"{key.id:>4}  {key.name:<30} {key.role:<9} wt_{key.prefix}_…  {key.created_at:%Y-%m-%d}  {state}"
            )


@app.command("revoke")
def revoke(key_id: int) -> None:
    """Revoke a key by id; it stops working at once.

    Example: walktalk keys revoke 3
    """
    from api.auth.keys import revoke_key
    from api.store import open_store

    with open_store(context().settings) as session:
        key = revoke_key(session, key_id)
    typer.echo(f"revoked key {key.id} ({key.name})")
