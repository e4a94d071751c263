"""Jobs run at least once and never twice at a time: claims, leases, take-overs.

A real re-tag on a real database (SQLite and PostgreSQL), run by
`api.jobs.execute.execute` as a worker process runs it. A worker killed
mid-job is stood for by the state it leaves: the job `running` under a lease
that has run out, and predictions already stored for some notes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from api.db.tables import Job, Note, Prediction
from api.jobs.catalogue import JobEnv
from api.jobs.execute import JobBusyError, execute
from api.jobs.runner import create_job
from tests.api.conftest import cells_match_a_rebuild, predictions_per_note

VERSION = "seed-linear"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _job(env: JobEnv, job_id: int) -> Job:
    with env.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _counts_match_a_rebuild(env: JobEnv) -> bool:
    with env.sessions() as session:
        return cells_match_a_rebuild(session)


def test_a_job_held_by_a_live_worker_is_not_run_again(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {"version": VERSION}, "test")
    with env.sessions() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", lease_owner="w1", lease_until=_now() + timedelta(minutes=1))
        )
    with pytest.raises(JobBusyError):
        execute(job_id, env, "w2")
    job = _job(env, job_id)
    assert (job.status, job.lease_owner, job.attempts) == ("running", "w1", 0)


def test_a_job_left_by_a_dead_worker_is_taken_over_and_resumed(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {"version": VERSION}, "test")
    predictor_version = VERSION
    with env.sessions() as session, session.begin():
        ids = list(session.scalars(select(Note.id).order_by(Note.id)))
        half = ids[: len(ids) // 2]
        for note_id in half:  # what the dead attempt had stored before it was killed
            session.add(
                Prediction(
                    note_id=note_id,
                    model_version=predictor_version,
                    themes=["lighting"],
                    scores={"lighting": 0.9},
                    evidence={},
                    created_at=_now(),
                    job_id=job_id,
                )
            )
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, lease_owner="dead", lease_until=_now())
        )
    assert execute(job_id, env, "w2") == "succeeded"
    job = _job(env, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("succeeded", 2, None)
    assert job.result is not None
    assert job.result["notes"] == len(ids)
    assert any(f"{len(half)} notes were scored by an earlier attempt" in line for line in job.log)
    with env.sessions() as session:
        per_note = predictions_per_note(session, job_id)
        assert sorted(per_note) == ids
        assert set(per_note.values()) == {1}
        pointed = session.scalars(
            select(func.count())
            .select_from(Note)
            .join(Prediction, Note.prediction_id == Prediction.id)
            .where(Prediction.job_id == job_id)
        ).one()
        assert pointed == len(ids)
    assert _counts_match_a_rebuild(env)


def test_a_finished_job_delivered_again_does_nothing(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {"version": VERSION}, "test")
    assert execute(job_id, env, "w1") == "succeeded"
    with env.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Prediction))
    assert execute(job_id, env, "w2") == "skipped"
    with env.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == stored
    assert _job(env, job_id).attempts == 1


def test_a_failing_job_is_recorded_with_its_reason_and_releases_its_lease(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {"version": "no-such-version"}, "test")
    assert execute(job_id, env, "w1") == "failed"
    job = _job(env, job_id)
    assert job.status == "failed"
    assert job.lease_owner is None
    assert job.error is not None
    assert "no-such-version" in job.error


def test_a_training_run_taken_over_after_it_registered_reports_that_version(env: JobEnv) -> None:
    version = env.registry.require_active()  # as if the dead worker had registered it
    job_id = create_job(
        env.sessions, "train", {"kind": "linear", "include_reviewed": False, "name": version}, "t"
    )
    with env.sessions() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, lease_owner="dead", lease_until=_now())
        )
    before = [v.version for v in env.registry.versions()]
    assert execute(job_id, env, "w2") == "succeeded"
    job = _job(env, job_id)
    assert job.result is not None
    assert job.result["version"] == version
    assert any("registered by an earlier attempt" in line for line in job.log)
    assert [v.version for v in env.registry.versions()] == before  # nothing trained again
