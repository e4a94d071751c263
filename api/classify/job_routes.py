"""/v1/classify/jobs: classify up to a million notes as a background job.

POST a JSON lines upload (`{"id": ..., "text": ...}` per line); 202 with the
job. GET the job for its progress, then its results as JSON lines in input
order. Only the client that sent the upload (or an admin) may read them.
"""

from __future__ import annotations

import tempfile
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from api.auth.keys import Principal
from api.auth.roles import Role
from api.classify.bulk import Upload, expire, results, store_upload
from api.db.tables import ClassifyItem, Job
from api.deps import AppSettings, CanClassify, Db, Model
from api.errors import (
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
)
from api.jobs.runner import JobQueue, create_job
from api.lifecycle.routes import job_out
from api.lifecycle.schemas import JobOut
from api.validation import RowId

router = APIRouter(prefix="/v1/classify", tags=["classify"])
JOBS_PATH = "/v1/classify/jobs"
STREAMED_PATHS = frozenset({JOBS_PATH})
SPOOL_IN_MEMORY = 1024 * 1024  # larger uploads go to a temporary file


@router.post("/jobs", status_code=202, response_model=JobOut)
async def start_classify_job(
    request: Request,
    model: Model,
    settings: AppSettings,
    caller: CanClassify,
    on_error: Annotated[
        Literal["fail", "skip"],
        Query(
            description="fail: refuse the upload at its first bad line (nothing is kept); "
            "skip: classify the good lines and list the bad ones in the job."
        ),
    ] = "fail",
) -> JobOut:
    """Upload JSON lines (`{"id", "text"}`, at most 1,000,000) to classify in the background."""
    version = model.registry.require_active()
    sessions: sessionmaker[Session] = request.app.state.sessions
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        await _spool(request, spool, settings.max_upload_bytes)
        spool.seek(0)
        job_id = await run_in_threadpool(
            create_job, sessions, "classify", {"version": version}, caller.name, status="uploading"
        )
        upload = await run_in_threadpool(
            store_upload, sessions, job_id, spool, stop_at_first_bad=on_error == "fail"
        )
    return await run_in_threadpool(
        _accept, request, sessions, job_id, upload, on_error, settings.classify_results_hours
    )


@router.get("/jobs/{job_id}", response_model=JobOut)
def classify_job(job_id: RowId, db: Db, caller: CanClassify) -> JobOut:
    """A bulk classification job: status, progress, bad lines, and when done the version."""
    return job_out(_own_job(db, job_id, caller))


@router.get("/jobs/{job_id}/results", response_class=StreamingResponse)
def classify_job_results(
    job_id: RowId, request: Request, db: Db, settings: AppSettings, caller: CanClassify
) -> StreamingResponse:
    """The results as JSON lines, in input order: id, line, prepared text, themes, scores."""
    job = _own_job(db, job_id, caller)
    if job.status != "succeeded":
        raise ConflictError(
            f"Job {job_id} is {job.status}; results are ready when it has succeeded."
        )
    with request.app.state.sessions() as session, session.begin():
        expire(session, settings.classify_results_hours)
    if db.get(Job, job_id, populate_existing=True) is None:
        raise GoneError(f"The results of job {job_id} were deleted after they expired.")
    return StreamingResponse(
        results(request.app.state.sessions, job_id), media_type="application/x-ndjson"
    )


async def _spool(request: Request, spool: IO[bytes], limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"The upload is over {limit} bytes; split it into several jobs.")
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLargeError(
                f"The upload is over {limit} bytes; split it into several jobs."
            )
        spool.write(chunk)
    if received == 0:
        raise InvalidRequestError("The upload is empty: send JSON lines, one note per line.")


def _accept(
    request: Request,
    sessions: sessionmaker[Session],
    job_id: int,
    upload: Upload,
    on_error: str,
    keep_hours: float,
) -> JobOut:
    """Queue the job if the upload is usable; otherwise remove it and say why."""
    if (on_error == "fail" and upload.bad) or not upload.stored:
        with sessions() as session, session.begin():
            session.execute(delete(ClassifyItem).where(ClassifyItem.job_id == job_id))
            session.execute(delete(Job).where(Job.id == job_id))
        first = upload.problems[0] if upload.problems else None
        why = f"line {first['line']}: {first['error']}" if first else "it holds no notes"
        raise InvalidRequestError(f"The upload was refused, nothing was kept: {why}.")
    with sessions() as session, session.begin():
        job = session.get(Job, job_id)
        assert job is not None
        job.params = {
            **job.params,
            "notes": upload.stored,
            "bad_lines": upload.bad,
            "problems": upload.problems,
        }
        expire(session, keep_hours)
    jobs: JobQueue = request.app.state.jobs
    jobs.enqueue(job_id)
    with sessions() as session:
        found = session.get(Job, job_id)
        assert found is not None
        return job_out(found)


def _own_job(db: Db, job_id: int, caller: Principal) -> Job:
    job = db.get(Job, job_id)
    if job is None or job.kind != "classify":
        raise NotFoundError(f"No classify job with id {job_id}.")
    if job.requested_by != caller.name and caller.role != Role.admin:
        raise ForbiddenError("Only the client that sent the upload (or an admin) may read it.")
    return job
