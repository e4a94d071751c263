"""Which unfinished jobs hold on to a model version, so it is not deleted under them.

A re-tag and a bulk classification job are pinned, when submitted, to the
version they classify with (`params["version"]`), and load it again after a
restart or a worker's takeover. Deleting that version meanwhile would fail the
job part-way; a deletion is refused instead until the job has finished.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import Job
from models.errors import RegistryConflictError

UNFINISHED = ("uploading", "queued", "running")
PINNING_KINDS = ("retag", "classify")


def jobs_using(session: Session, version: str) -> list[int]:
    """Ids of unfinished re-tag and classification jobs pinned to `version`, oldest first.

    The version is inside each job's JSON parameters; unfinished jobs are few,
    so they are read and matched here, the same on SQLite and PostgreSQL.
    """
    rows = session.execute(
        select(Job.id, Job.params)
        .where(Job.status.in_(UNFINISHED), Job.kind.in_(PINNING_KINDS))
        .order_by(Job.id)
    )
    return [job_id for job_id, params in rows if (params or {}).get("version") == version]


def refuse_if_pinned(session: Session, version: str) -> None:
    """Raise `RegistryConflictError` (409) naming the jobs still using `version`."""
    if ids := jobs_using(session, version):
        listed = ", ".join(str(job_id) for job_id in ids)
        raise RegistryConflictError(
            f"{version} is still used by unfinished job(s) {listed}; delete it once they "
            "have finished (GET /v1/jobs/{id} shows their progress)."
        )
