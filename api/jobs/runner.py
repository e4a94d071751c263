"""Where jobs go when they are submitted: a thread here, or a queue to `walktalk worker`.

The job's state lives in the `jobs` table, not in memory, so every API process
can answer "how far has it got?". Two ways to run it:

- `InProcessJobs` (the embedded default, no queue configured): a one-thread
  pool in the serving process, at a lower CPU priority than requests. A job cut
  off by a restart is marked failed at the next start.
- `QueuedJobs` (`WALKTALK_QUEUE_URL` set): the job's id goes to a Redis queue
  (Dramatiq, api/jobs/queue.py) and a `walktalk worker` process runs it, at
  least once: a worker killed mid-job leaves it to be taken over.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Job
from api.jobs.catalogue import JobEnv
from api.jobs.execute import ACTIVE, execute, worker_name

JOB_NICENESS = 10


class JobQueue(Protocol):
    """Accepts jobs; the routes do not care which way they run."""

    def submit(self, kind: str, params: dict[str, Any], requested_by: str) -> int: ...

    def enqueue(self, job_id: int) -> None: ...

    def shutdown(self) -> None: ...


def create_job(
    sessions: sessionmaker[Session],
    kind: str,
    params: dict[str, Any],
    requested_by: str,
    *,
    status: str = "queued",
) -> int:
    """Store a job and return its id (committed before anyone runs it).

    A job whose input is still arriving (a bulk upload) is created "uploading",
    which no worker runs, and queued with `enqueue` once its input is stored.
    """
    with sessions() as session, session.begin():
        job = Job(
            kind=kind,
            status=status,
            params=params,
            progress=0.0,
            message="queued",
            log=[],
            requested_by=requested_by,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        session.add(job)
        session.flush()
        return job.id


class InProcessJobs:
    """Runs jobs one at a time on a thread of this process."""

    def __init__(self, env: JobEnv) -> None:
        self._env = env
        self._owner = worker_name()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="walktalk-job")
        self.futures: dict[int, Future[str]] = {}

    def submit(self, kind: str, params: dict[str, Any], requested_by: str) -> int:
        job_id = create_job(self._env.sessions, kind, params, requested_by)
        self.enqueue(job_id)
        return job_id

    def enqueue(self, job_id: int) -> None:
        mark_queued(self._env.sessions, job_id)
        self.futures[job_id] = self._pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> str:
        _lower_priority()
        return execute(job_id, self._env, self._owner)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lower_priority() -> None:
    """Run jobs at a lower CPU priority than the requests served beside them.

    On Linux a thread is scheduled on its own, so raising this thread's nice
    value (and that of the threads it starts) lets request threads go first
    when both want the cores. Elsewhere this does nothing.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), JOB_NICENESS)


def mark_queued(sessions: sessionmaker[Session], job_id: int) -> None:
    """An uploading job's input is all stored: it may run."""
    with sessions() as session, session.begin():
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == "uploading").values(status="queued")
        )


def busy(session: Session, kind: str) -> Job | None:
    """A job of this kind that is queued or running, if any."""
    return session.scalars(
        select(Job).where(Job.kind == kind, Job.status.in_(ACTIVE)).order_by(Job.id).limit(1)
    ).first()
