"""What a running job may do: report progress and log lines (never note text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Job

LOG_LINES = 200


class JobContext:
    """Progress and log lines of one job, written to its row as they happen."""

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
