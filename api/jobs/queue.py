"""Jobs through a Redis queue (Dramatiq), run by `walktalk worker` processes.

Why Dramatiq: it is small, well kept, and its Redis broker acknowledges a
message only after the actor returns, keeping unacknowledged messages per
worker with a heartbeat; when a worker dies (even by SIGKILL), another worker's
queue maintenance puts its messages back. That is the at-least-once delivery a
re-tag or a training run needs to survive a deploy, on the Redis the force
already runs. Celery would do as well but brings far more than we use; a
PostgreSQL queue would tie the worker to one database.

A message carries only the job's id: the kind, parameters, progress, log and
result stay in the `jobs` table (no note text ever goes to Redis). Exclusive
running is the database's job (a lease, api/jobs/execute.py), not the queue's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Job
from api.jobs.runner import create_job, mark_queued
from nlp.errors import WalktalkError

if TYPE_CHECKING:  # dramatiq is imported when a queue is configured, not before
    from dramatiq import Actor
    from dramatiq.brokers.redis import RedisBroker

QUEUE_NAME = "walktalk-jobs"
ACTOR_NAME = "walktalk_run_job"
HELP_ACTOR_NAME = "walktalk_help_job"
NAMESPACE = "walktalk"
# Training a transformer takes about ten minutes on two cores; Dramatiq's own
# default limit (ten minutes) would kill it.
TIME_LIMIT_MS = 24 * 3600 * 1000
# Maintenance (putting a dead worker's messages back) runs on this share, out of
# a million, of broker commands; ours are few, so run it often.
MAINTENANCE_CHANCE = 100_000
OTHER_ERROR_RETRIES = 5


class QueueUnavailableError(WalktalkError):
    """The job queue (Redis) cannot be reached, so a job cannot be started."""

    code = "W210"
    title = "Job queue unavailable"
    status = 503
    kind = "queue-unavailable"


def make_broker(url: str, *, heartbeat_seconds: int) -> RedisBroker:
    """A Redis broker; a worker silent for `heartbeat_seconds` counts as dead."""
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(
        url=url,
        namespace=NAMESPACE,
        heartbeat_timeout=heartbeat_seconds * 1000,
        maintenance_chance=MAINTENANCE_CHANCE,
    )


def _retry_when(retries: int, error: BaseException) -> bool:
    """Retry a delivery that failed outside the job (the database away) a few times.

    A job's own failure is recorded in its row and not raised; a job another
    worker holds is sent again by the worker (api/jobs/worker.py).
    """
    return retries < OTHER_ERROR_RETRIES


def declare_actor(
    broker: RedisBroker, run: Callable[[int], Any], *, name: str = ACTOR_NAME
) -> Actor[[int], Any]:
    """An actor taking a job id (everything else is in the database): run it, or help with it."""
    import dramatiq

    declare = dramatiq.actor(
        actor_name=name,
        queue_name=QUEUE_NAME,
        broker=broker,
        time_limit=TIME_LIMIT_MS,
        retry_when=_retry_when,
        min_backoff=1_000,
        max_backoff=15_000,
    )
    return declare(run)


def _not_here(job_id: int) -> None:
    raise RuntimeError("API processes send jobs; `walktalk worker` runs them")


class QueuedJobs:
    """Stores each job and sends its id to the queue for a worker to run."""

    def __init__(self, sessions: sessionmaker[Session], url: str, *, heartbeat_seconds: int):
        self._sessions = sessions
        self._broker = make_broker(url, heartbeat_seconds=heartbeat_seconds)
        self._actor = declare_actor(self._broker, _not_here)

    def submit(self, kind: str, params: dict[str, Any], requested_by: str) -> int:
        job_id = create_job(self._sessions, kind, params, requested_by)
        self.enqueue(job_id)
        return job_id

    def enqueue(self, job_id: int) -> None:
        mark_queued(self._sessions, job_id)
        try:
            self._actor.send(job_id)
        except Exception as err:  # redis connection errors come in several types
            _mark_unsent(self._sessions, job_id)
            raise QueueUnavailableError(
                "The job queue cannot be reached, so the job was not started.",
                hint="Check WALKTALK_QUEUE_URL and that Redis is running, then try again.",
            ) from err

    def shutdown(self) -> None:
        self._broker.close()


def _mark_unsent(sessions: sessionmaker[Session], job_id: int) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="failed", error="the job queue could not be reached")
        )
