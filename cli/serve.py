"""`walktalk serve` (run the API with uvicorn, ready on a first start) and `walktalk init`.

On a first start with no active model it trains the default one on the seed
corpus (with progress), and with no API keys it creates an admin key and
prints it once.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Annotated

import typer

from cli.context import Context, context
from cli.train import train
from models.kind_names import DEFAULT_KIND


def worker_count(asked: int | None, *, reload: bool, configured: int) -> int:
    """How many workers to start, also put in WALKTALK_WORKERS for the workers themselves.

    Each worker builds its own settings from the environment; without this a
    `--workers 2` would not reach them, and each would give its model every core
    (`Settings.threads_per_process`).
    """
    count = 1 if reload else asked or configured
    os.environ["WALKTALK_WORKERS"] = str(count)
    return count


def init() -> None:
    """Prepare a deployment once: migrate, train the default model and flag, make an admin key.

    `walktalk serve` does the same on a first start. Run it on its own before
    starting several replicas, so that they do not all train at once.

    Example: walktalk init
    """
    prepare(context())


def prepare(ctx: Context) -> None:
    """What a first start needs: an active model, an active flag, and an admin key."""
    from api.auth.keys import create_key, list_keys
    from api.store import open_store
    from cli.safeguarding import train as train_flag

    if ctx.registry.active() is None:
        typer.echo("no active model: training the default one on the training corpora", err=True)
        train(data=None, kind=DEFAULT_KIND, name=None)
    if ctx.flag_registry.active() is None:
        typer.echo("no safeguarding flag: training it on the labelled corpora", err=True)
        train_flag(None)
    with open_store(ctx.settings) as session:
        admin = None if list_keys(session) else create_key(session, name="admin", role="admin")[1]
    if admin:
        typer.echo(f"first start: created an admin API key (shown only once):\n{admin}", err=True)


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: WALKTALK_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default: WALKTALK_PORT).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes (default: WALKTALK_WORKERS)."),
    ] = None,
    reload: Annotated[
        bool,
        typer.Option(
            "--reload",
            help="Restart when the code changes (development only; one worker).",
        ),
    ] = False,
) -> None:
    """Run the HTTP API; options override the settings for this run.

    Example: walktalk serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import uvicorn

    from api.retention import start_daily

    ctx = context()
    logging.basicConfig(
        level=ctx.settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    prepare(ctx)
    start_daily(ctx.settings, threading.Event())  # retention, if a period is set
    uvicorn.run(
        "api.main:app",
        factory=True,
        host=host or ctx.settings.host,
        port=port or ctx.settings.port,
        workers=worker_count(workers, reload=reload, configured=ctx.settings.workers),
        reload=reload,
        reload_dirs=[str(Path(__file__).resolve().parents[1])] if reload else None,
        timeout_worker_healthcheck=ctx.settings.worker_healthcheck_seconds,
        log_level=ctx.settings.log_level,
        access_log=False,
    )
