"""A re-tag's chunks: claimed by one worker at a time, taken over when a lease runs out.

Workers are threads here, each with its own name, working the same job on a
real database (SQLite and PostgreSQL) with the real model; the multi-process
test (test_replicas.py) does the same with `walktalk worker` processes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.db.tables import JobChunk, Note, Prediction
from api.jobs import chunks
from api.jobs.catalogue import JobEnv
from api.jobs.runner import create_job
from models.predict import Predictor
from tests.api.conftest import predictions_per_note


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 10)  # 48 notes: five chunks
    monkeypatch.setattr(chunks, "BATCH", 4)


def predictor(env: JobEnv) -> Predictor:
    version = env.registry.require_active()
    return Predictor(env.registry.load(version), env.lexicon, version)


def scored_per_note(env: JobEnv, job_id: int) -> dict[int, int]:
    with env.sessions() as session:
        return predictions_per_note(session, job_id)


def note_ids(env: JobEnv) -> list[int]:
    with env.sessions() as session:
        return list(session.scalars(select(Note.id).order_by(Note.id)))


@pytest.mark.usefixtures("small_chunks")
def test_two_workers_share_the_chunks_and_score_every_note_once(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {}, "test", status="running")
    assert chunks.plan(env.sessions, job_id) == 5
    assert chunks.plan(env.sessions, job_id) == 5  # planned once
    model = predictor(env)
    done: dict[str, int] = {}

    def worker(name: str) -> None:
        done[name] = chunks.work_through(env.sessions, model, job_id, name, lambda _: None)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(done.values()) == 5
    assert scored_per_note(env, job_id) == dict.fromkeys(note_ids(env), 1)
    with env.sessions() as session:
        assert set(session.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id))) == {
            "done"
        }


@pytest.mark.usefixtures("small_chunks")
def test_a_chunk_held_under_a_live_lease_waits_and_is_taken_over_when_it_runs_out(
    env: JobEnv,
) -> None:
    job_id = create_job(env.sessions, "retag", {}, "test", status="running")
    chunks.plan(env.sessions, job_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    with env.sessions() as session, session.begin():
        session.execute(
            update(JobChunk)
            .where(JobChunk.job_id == job_id, JobChunk.chunk == 0)
            .values(status="running", owner="dead", lease_until=now + timedelta(minutes=5))
        )
    model = predictor(env)
    assert chunks.work_through(env.sessions, model, job_id, "w2", lambda _: None) == 4
    assert len(scored_per_note(env, job_id)) == 48 - 10  # chunk 0 left to its holder
    with env.sessions() as session, session.begin():
        session.execute(update(JobChunk).where(JobChunk.job_id == job_id).values(lease_until=now))
    chunks.wait_for_all(env.sessions, model, job_id, "w2", lambda _: None, poll_seconds=0.05)
    assert scored_per_note(env, job_id) == dict.fromkeys(note_ids(env), 1)


def test_the_database_refuses_a_second_prediction_for_a_note_in_one_job(env: JobEnv) -> None:
    job_id = create_job(env.sessions, "retag", {}, "test", status="running")
    row = {
        "note_id": note_ids(env)[0],
        "model_version": "v",
        "themes": [],
        "scores": {},
        "evidence": {},
        "created_at": datetime.now(UTC).replace(tzinfo=None),
        "job_id": job_id,
    }
    with env.sessions() as session, session.begin():
        session.add(Prediction(**row))
    with pytest.raises(IntegrityError), env.sessions() as session, session.begin():
        session.add(Prediction(**row))
