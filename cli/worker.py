"""`walktalk worker`: run queued background jobs in a process of their own."""

from __future__ import annotations

import logging

import typer

from cli.context import context
from nlp.errors import WalktalkError


class NoQueueError(WalktalkError):
    code = "W211"
    title = "No job queue configured"


def worker() -> None:
    """Run training runs, re-tags and label checks from the job queue, one at a time.

    Needs WALKTALK_QUEUE_URL (Redis) and the same database and model store as
    the API replicas. Stop it with Ctrl-C or SIGTERM; a job cut off is taken
    over by another worker.

    Example: WALKTALK_QUEUE_URL=redis://127.0.0.1:6379/0 walktalk worker
    """
    ctx = context()
    settings = ctx.settings
    if not settings.queue_url:
        raise NoQueueError(
            "WALKTALK_QUEUE_URL is not set, so there is no queue to take jobs from.",
            hint="Without a queue `walktalk serve` runs jobs itself; set "
            "WALKTALK_QUEUE_URL=redis://HOST:6379/0 on the API and the worker to split them.",
        )
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    from api.jobs.catalogue import JobEnv
    from api.jobs.worker import run_worker
    from nlp.cues import build_lexicon

    env = JobEnv(
        sessions=ctx.sessions,
        settings=settings,
        registry=ctx.registry,
        lexicon=build_lexicon(ctx.taxonomy),
        taxonomy=ctx.taxonomy,
        areas=ctx.areas,
        redactor=ctx.redactor,
    )
    typer.echo("walktalk worker: waiting for jobs (Ctrl-C to stop)", err=True)
    run_worker(env, settings.queue_url, heartbeat_seconds=settings.queue_heartbeat_seconds)
