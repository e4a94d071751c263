"""Background jobs (training runs, re-tags) run in a thread of the serving process.

The job's state lives in the `jobs` table, not in memory, so every worker
process can answer "how far has it got?", and a job survives being asked about
after the request that started it has returned. One job runs at a time per
process: training and re-tagging both want the two cores.

A job whose process died (a restart) can never finish; at start-up such jobs
are marked failed with a message that says so, rather than left "running".
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Job
from nlp.errors import WalktalkError

log = logging.getLogger("walktalk.jobs")
LOG_LINES = 200
JOB_NICENESS = 10
ACTIVE = ("queued", "running")


class JobContext:
    """What a running job may do: report progress and log lines (no note text!)."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self._sessions = sessions
        self.job_id = job_id

    def progress(self, message: str, done: int, total: int) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        self._update(message=message[:300], progress=round(fraction, 4), line=message)

    def log(self, line: str) -> None:
        self._update(line=line)

    def _update(self, *, line: str, **values: Any) -> None:
        with self._sessions() as session, session.begin():
            job = session.get(Job, self.job_id)
            if job is None:
                return
            for name, value in values.items():
                setattr(job, name, value)
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            job.log = [*job.log, f"{stamp} {line}"][-LOG_LINES:]


Work = Callable[[JobContext], dict[str, Any]]


class JobRunner:
    """Queues jobs on a one-thread pool and records their outcome."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="walktalk-job")
        self.futures: dict[int, Future[None]] = {}

    def submit(self, kind: str, params: dict[str, Any], requested_by: str, work: Work) -> int:
        with self._sessions() as session, session.begin():
            job = Job(
                kind=kind,
                status="queued",
                params=params,
                progress=0.0,
                message="queued",
                log=[],
                requested_by=requested_by,
                created_at=_now(),
            )
            session.add(job)
            session.flush()
            job_id = job.id
        self.futures[job_id] = self._pool.submit(self._run, job_id, work)
        return job_id

    def _run(self, job_id: int, work: Work) -> None:
        _lower_priority()
        self._set(job_id, status="running", started_at=_now(), message="started")
        try:
            result = work(JobContext(self._sessions, job_id))
        except Exception as err:  # a job's failure is recorded, never raised into the pool
            log.error("job %s failed: %s", job_id, type(err).__name__)
            log.debug("job %s traceback:\n%s", job_id, traceback.format_exc())
            self._set(job_id, status="failed", finished_at=_now(), error=_describe(err))
            return
        self._set(
            job_id,
            status="succeeded",
            finished_at=_now(),
            progress=1.0,
            message="done",
            result=result,
        )

    def _set(self, job_id: int, **values: Any) -> None:
        with self._sessions() as session, session.begin():
            session.execute(update(Job).where(Job.id == job_id).values(**values))

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


def busy(session: Session, kind: str) -> Job | None:
    """A job of this kind that is queued or running, if any."""
    return session.scalars(
        select(Job).where(Job.kind == kind, Job.status.in_(ACTIVE)).order_by(Job.id).limit(1)
    ).first()


def fail_interrupted(session: Session) -> int:
    """Mark jobs left queued or running by a process that has gone as failed."""
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
