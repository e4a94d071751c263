"""Run one job by id, at least once and never twice at the same time.

Whoever runs a job (a thread of `walktalk serve`, or a `walktalk worker`) first
claims it: one UPDATE that succeeds only if the job is unfinished and nobody
holds a live lease on it. While the job runs, a heartbeat renews the lease. A
worker killed mid-job stops renewing; once its lease has run out, the next
delivery of the job's message claims it again and the job body resumes (each
body is written to be safe to run again: a re-tag skips the notes it already
scored, a training run finds the version it already registered).

A delivery that finds the job finished does nothing; one that finds it held by
a live worker raises `JobBusyError`, so the queue delivers it again later
(the holder may still die).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Job
from api.jobs.catalogue import JobEnv, build_work
from api.jobs.context import JobContext
from nlp.errors import WalktalkError

log = logging.getLogger("walktalk.jobs")
ACTIVE = ("queued", "running")
LEASE_SECONDS = 15.0


class JobBusyError(RuntimeError):
    """Another live worker holds the job; deliver it again later."""


def worker_name() -> str:
    """A name for this process in job leases: host, pid and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def execute(job_id: int, env: JobEnv, owner: str, *, lease_seconds: float = LEASE_SECONDS) -> str:
    """Claim, run and record one job; returns its final status, or "skipped"."""
    claimed = _claim(env.sessions, job_id, owner, lease_seconds)
    if claimed is None:
        return "skipped"
    kind, params, attempt = claimed
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat,
        args=(env.sessions, job_id, owner, lease_seconds, stop),
        name=f"walktalk-job-{job_id}-lease",
        daemon=True,
    )
    beat.start()
    try:
        ctx = JobContext(env.sessions, job_id)
        if attempt > 1:
            ctx.log(f"attempt {attempt}: resuming after a worker stopped")
        result = build_work(job_id, kind, params, env, owner)(ctx)
    except Exception as err:  # a job's failure is recorded, never raised into the queue
        log.error("job %s failed: %s", job_id, type(err).__name__)
        # Frames only: an exception's message (SQLAlchemy's [parameters: ...]) may quote notes.
        log.debug("job %s failed at:\n%s", job_id, "".join(traceback.format_tb(err.__traceback__)))
        _finish(env.sessions, job_id, owner, status="failed", error=_describe(err))
        return "failed"
    finally:
        stop.set()
        beat.join()
    _finish(
        env.sessions, job_id, owner, status="succeeded", progress=1.0, message="done", result=result
    )
    return "succeeded"


def _claim(
    sessions: sessionmaker[Session], job_id: int, owner: str, lease_seconds: float
) -> tuple[str, dict[str, Any], int] | None:
    now = _now()
    with sessions() as session, session.begin():
        taken = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status.in_(ACTIVE),
                or_(Job.lease_until.is_(None), Job.lease_until < now),
            )
            .values(
                status="running",
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=Job.attempts + 1,
                message="started",
            )
        )
        job = session.get(Job, job_id)
        if job is None or job.status not in ACTIVE:
            return None  # finished (or erased): a repeated delivery
        if not taken.rowcount:  # type: ignore[attr-defined]
            raise JobBusyError(f"job {job_id} is held by a live worker")
        if job.started_at is None:
            job.started_at = now
        return job.kind, dict(job.params), job.attempts


def _heartbeat(
    sessions: sessionmaker[Session],
    job_id: int,
    owner: str,
    lease_seconds: float,
    stop: threading.Event,
) -> None:
    while not stop.wait(lease_seconds / 3):
        try:
            with sessions() as session, session.begin():
                renewed = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.lease_owner == owner)
                    .values(lease_until=_now() + timedelta(seconds=lease_seconds))
                )
            if not renewed.rowcount:  # type: ignore[attr-defined]
                log.warning("job %s: lease taken over by another worker", job_id)
                return
        except Exception as err:  # a missed beat is not fatal; the next may succeed
            log.warning("job %s: lease not renewed (%s)", job_id, type(err).__name__)


def _finish(sessions: sessionmaker[Session], job_id: int, owner: str, **values: Any) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner)
            .values(finished_at=_now(), lease_owner=None, lease_until=None, **values)
        )


def fail_interrupted(session: Session) -> int:
    """Mark jobs left queued or running by a process that has gone as failed.

    Only for the embedded default, where the serving process is the only one
    that runs jobs; with a queue, another worker takes them over instead.
    """
    result = session.execute(
        update(Job)
        .where(Job.status.in_(ACTIVE))
        .values(status="failed", finished_at=_now(), error="interrupted: the service restarted")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _describe(err: Exception) -> str:
    """Our own errors' messages (written not to carry note text); others by type only.

    A library's message may quote its input (a validation error quotes the text
    it refused), and the job record is readable by analysts: no PII there.
    """
    if isinstance(err, WalktalkError):
        return f"{type(err).__name__}: {err}"[:2000]
    return f"{type(err).__name__} (details withheld: they may quote note text)"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
