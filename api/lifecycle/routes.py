"""Model lifecycle: activate, roll back, re-tag; training runs; background jobs.

Activation only moves the registry's ACTIVE pointer; every worker's
`ActiveModel` sees the move on its next request and loads the new version,
while requests in flight finish with the model they started with.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy import select

from api.auth.roles import Permission, allowed
from api.db.tables import Job
from api.deps import CanDeleteModels, CanManageModels, Db, Model
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.jobs.pinned import refuse_if_pinned
from api.jobs.runner import JobQueue, busy
from api.lifecycle.schemas import ActivateIn, JobList, JobOut, TrainingRunIn
from api.validation import RowId
from models.registry import ModelRegistry
from training.promotion import promote

router = APIRouter(prefix="/v1", tags=["lifecycle"])
log = logging.getLogger("walktalk.api")


def _jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


@router.get("/models/{version}")
def model_card(version: str, model: Model, _: CanManageModels) -> dict[str, Any]:
    """A version's model card: data, parameters and test metrics."""
    _known(model.registry, version)
    return model.registry.card(version)


@router.post("/models/{version}/activate")
def activate(
    version: str,
    model: Model,
    caller: CanManageModels,
    body: Annotated[ActivateIn | None, Body()] = None,
) -> dict[str, Any]:
    """Make a version active if it passes the promotion gate (admins may force it)."""
    force = body.force if body else False
    if force and not allowed(caller.role, Permission.force_models):
        raise ForbiddenError("Only an admin may force a model past the promotion gate.")
    _known(model.registry, version)
    gate = promote(model.registry, version, force=force)
    return {
        "active": model.registry.active(),
        "gate": {"passed": gate.passed, "reasons": gate.reasons},
    }


@router.delete("/models/{version}", status_code=204)
def delete_version(version: str, db: Db, model: Model, caller: CanDeleteModels) -> None:
    """Delete a version for good (not the active one, nor the one rollback would restore,
    nor one that an unfinished re-tag or classification job still uses)."""
    _known(model.registry, version)
    refuse_if_pinned(db, version)
    model.registry.delete(version)
    log.info("model version %s deleted by key %s", version, caller.key_id)


@router.post("/models/rollback")
def rollback(model: Model, _: CanManageModels) -> dict[str, Any]:
    """Re-activate the version that was active before the current one."""
    previous = model.registry.active()
    active = model.registry.rollback()
    return {"active": active, "previous": previous}


@router.post("/models/{version}/retag", status_code=202, response_model=JobOut)
def retag(version: str, request: Request, db: Db, model: Model, caller: CanManageModels) -> JobOut:
    """Re-tag every stored note with a version in the background; counts switch when done."""
    _known(model.registry, version)
    _not_busy(db, "retag")
    job_id = _jobs(request).submit("retag", {"version": version}, caller.name)
    return _job(db, job_id, "retag")


@router.post("/training-runs", status_code=202, response_model=JobOut)
def start_training(
    request: Request,
    db: Db,
    caller: CanManageModels,
    body: Annotated[TrainingRunIn | None, Body()] = None,
) -> JobOut:
    """Train a new version in the background on the training corpora (plus reviewed notes).

    The version's name is chosen now and kept with the job, so a worker that
    takes the run over after a crash finishes the same version, not a second one.
    """
    run = body or TrainingRunIn()
    _not_busy(db, "train")
    params = {**run.model_dump(), "name": f"{run.kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}"}
    job_id = _jobs(request).submit("train", params, caller.name)
    return _job(db, job_id, "train")


@router.post("/review/label-check", status_code=202, response_model=JobOut)
def start_label_check(request: Request, db: Db, caller: CanManageModels) -> JobOut:
    """Flag reviewed notes whose labels the rest of the data contradicts (cleanlab), in the background."""
    _not_busy(db, "label_check")
    job_id = _jobs(request).submit("label_check", {}, caller.name)
    return _job(db, job_id, "label_check")


@router.get("/training-runs", response_model=JobList)
def list_training_runs(
    db: Db, _: CanManageModels, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> JobList:
    """Training runs, newest first."""
    jobs = db.scalars(select(Job).where(Job.kind == "train").order_by(Job.id.desc()).limit(limit))
    return JobList(runs=[job_out(j) for j in jobs])


@router.get("/training-runs/{run_id}", response_model=JobOut)
def training_run(run_id: RowId, db: Db, _: CanManageModels) -> JobOut:
    """One training run: status, progress, log and, when done, the new version."""
    return _job(db, run_id, "train")


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: RowId, db: Db, _: CanManageModels) -> JobOut:
    """Any background job (training run or re-tag)."""
    return _job(db, job_id, None)


def job_out(job: Job) -> JobOut:
    version = job.result.get("version") if job.result else None
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        message=job.message,
        params=job.params,
        result=job.result,
        version=str(version) if version else None,
        error=job.error,
        log=job.log,
        requested_by=job.requested_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _job(db: Db, job_id: int, kind: str | None) -> JobOut:
    found = db.get(Job, job_id)
    if found is None or (kind is not None and found.kind != kind):
        what = "training run" if kind == "train" else "job"
        raise NotFoundError(f"No {what} with id {job_id}.")
    return job_out(found)


def _known(registry: ModelRegistry, version: str) -> None:
    if version not in {v.version for v in registry.versions()}:
        raise NotFoundError(f"No model version '{version}'; GET /v1/models lists them.")


def _not_busy(db: Db, kind: str) -> None:
    running = busy(db, kind)
    if running is not None:
        raise ConflictError(
            f"A {kind.replace('_', ' ')} job is already {running.status} "
            f"(job {running.id}); wait for it to finish."
        )
