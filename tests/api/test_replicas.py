"""The scaled-out topology as plain processes: two API replicas, job workers, PostgreSQL, Redis.

What `compose.yaml` deploys, started here without a container engine:
`walktalk serve` twice (own ports, own WALKTALK_HOME folders, so they share
only the database), `walktalk worker` (then a second one), the running
PostgreSQL and Redis. It checks what a force running replicas relies on:

- a training run started through replica A, promoted through replica B, is the
  model both replicas answer with, within 2 seconds;
- a worker killed with SIGKILL in the middle of a re-tag is survived: another
  worker takes the job over and finishes it, with no note scored twice;
- counts read through either replica agree, and equal a rebuild from the notes.

Needs PostgreSQL (SQLite is one file on one machine) and Redis; skipped with
the reason where either is missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from api.auth.keys import create_key
from api.counts import cells
from api.db.migrate import upgrade
from api.db.tables import Note, Prediction
from tests.api.conftest import clean_slate, predictions_per_note
from tests.api.live_server import free_port
from tests.factories import NOTE_TEXTS

pytestmark = pytest.mark.postgres

WALKTALK = str(Path(sys.executable).parent / "walktalk")
NOTES = 6000


class Topology:
    """The processes of one deployment and what they share."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ,
            "WALKTALK_DATABASE_URL": database_url,
            "WALKTALK_QUEUE_URL": redis_url,
            "WALKTALK_MODEL_STORE": "database",
            "WALKTALK_MODEL_POLL_SECONDS": "0.5",
            "WALKTALK_QUEUE_HEARTBEAT_SECONDS": "3",
            "WALKTALK_LOG_LEVEL": "warning",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[IO[bytes]] = []

    def run(self, *args: str, home: str) -> str:
        done = subprocess.run(
            [WALKTALK, *args], env=self._env(home), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self, *args: str, home: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{home}.log").open("ab")
        self.logs.append(log)
        process = subprocess.Popen(
            [WALKTALK, *args], env=self._env(home), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def serve(self, home: str) -> str:
        port = free_port()
        self.start("serve", "--port", str(port), "--workers", "1", home=home)
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _ready(base), 90, f"replica {home} to be ready")
        return base

    def _env(self, home: str) -> dict[str, str]:
        folder = self.tmp / home
        folder.mkdir(exist_ok=True)
        return {**self.env, "WALKTALK_HOME": str(folder)}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def topology(
    tmp_path: Path, postgres_schema_url: str, redis_url: str, model_home: Path
) -> Iterator[Topology]:
    clean_slate(postgres_schema_url)  # no notes or models left by earlier tests
    engine = create_engine(postgres_schema_url)
    upgrade(engine)
    engine.dispose()
    deployment = Topology(tmp_path, postgres_schema_url, redis_url)
    # The models the replicas start with, put in the database's store once.
    deployment.run("models", "import", str(model_home / "models" / "seed-linear"), home="ops")
    flag = next(p for p in (model_home / "safeguarding").iterdir() if p.is_dir())
    deployment.run("models", "import", str(flag), "--safeguarding", home="ops")
    try:
        yield deployment
    finally:
        deployment.stop()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _wait(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _job(base: str, key: str, job_id: int) -> dict[str, Any]:
    response = httpx.get(f"{base}/v1/jobs/{job_id}", headers=_auth(key), timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _until_done(base: str, key: str, job_id: int, seconds: float) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def done() -> bool:
        found.update(_job(base, key, job_id))
        return found["status"] in ("succeeded", "failed")

    _wait(done, seconds, f"job {job_id}")
    return found


@pytest.fixture
def engine(postgres_schema_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_schema_url)
    yield engine
    engine.dispose()


class Classifying:
    """Classify requests sent round the replicas from a thread, recording what answers."""

    def __init__(self, bases: tuple[str, ...], key: str) -> None:
        self.bases, self.key = bases, key
        self.failures: list[str] = []
        self.versions: set[str] = set()
        self._stop = threading.Event()
        self._answered = threading.Event()  # every replica has answered once
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Classifying:
        """Start, and return once each replica has answered (the version before any switch)."""
        self._thread.start()
        assert self._answered.wait(timeout=60), "the replicas did not answer classify requests"
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        body = {"texts": ["Dark bus stop with no lights next to an alley"]}
        with httpx.Client(headers=_auth(self.key), timeout=30) as client:
            while not self._stop.is_set():
                for base in self.bases:
                    answer = client.post(f"{base}/v1/classify", json=body)
                    if answer.status_code != 200:
                        self.failures.append(f"{base}: {answer.status_code}")
                    else:
                        self.versions.add(answer.json()["results"][0]["model"])
                self._answered.set()


def test_two_replicas_and_workers_share_models_jobs_and_counts(
    topology: Topology, engine: Engine
) -> None:
    with Session(engine) as session, session.begin():
        admin = create_key(session, name="ops", role="admin")[1]
        tagger = create_key(session, name="tagger", role="tagger")[1]
    a, b = topology.serve("replica-a"), topology.serve("replica-b")
    worker = topology.start("worker", home="worker-1")

    texts = [f"{text} (walk {i})" for i in range(NOTES // len(NOTE_TEXTS)) for text in NOTE_TEXTS]
    for start in range(0, len(texts), 1000):
        notes = [
            {"text": t, "source": "officer", "borough": "Camden"}
            for t in texts[start : start + 1000]
        ]
        posted = httpx.post(
            f"{a}/v1/notes", json={"notes": notes}, headers=_auth(tagger), timeout=120
        )
        assert posted.status_code == 201, posted.text

    # Trained through A (on the worker), promoted through B, served by both.
    run = httpx.post(
        f"{a}/v1/training-runs",
        json={"kind": "linear", "include_reviewed": False},
        headers=_auth(admin),
        timeout=10,
    )
    assert run.status_code == 202, run.text
    trained = _until_done(b, admin, run.json()["id"], 300)
    assert trained["status"] == "succeeded", trained
    version = trained["version"]
    with Classifying((a, b), tagger) as during:  # requests keep coming through the switch
        promoted = httpx.post(
            f"{b}/v1/models/{version}/activate",
            json={"force": True},
            headers=_auth(admin),
            timeout=30,
        )
        assert promoted.status_code == 200, promoted.text
        switched = time.monotonic()
        _wait(
            lambda: all(httpx.get(f"{x}/readyz").json().get("model") == version for x in (a, b)),
            10,
            "both replicas to serve the new version",
        )
        assert time.monotonic() - switched <= 2.0
        time.sleep(1.0)
    assert during.failures == []
    assert {version} < during.versions  # the old version answered, then the new one

    # A re-tag whose worker is killed mid-way is finished by another worker.
    retag = httpx.post(f"{b}/v1/models/{version}/retag", headers=_auth(admin), timeout=10)
    assert retag.status_code == 202, retag.text
    job_id = retag.json()["id"]
    _wait(lambda: 0 < _job(a, admin, job_id)["progress"] < 0.5, 120, "the re-tag to get going")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    cut_off = _job(a, admin, job_id)
    assert cut_off["status"] == "running"
    assert cut_off["progress"] < 0.99
    topology.start("worker", home="worker-2")
    finished = _until_done(a, admin, job_id, 180)
    assert finished["status"] == "succeeded", finished
    assert finished["result"]["notes"] == len(texts)
    assert any("attempt 2" in line for line in finished["log"])

    with Session(engine) as session:
        per_note = predictions_per_note(session, job_id)
        assert len(per_note) == len(texts)
        assert set(per_note.values()) == {1}
        on_new = session.scalar(
            select(func.count())
            .select_from(Note)
            .join(Prediction, Prediction.id == Note.prediction_id)
            .where(Prediction.model_version == version)
        )
        assert on_new == len(texts)
        kept = cells.snapshot(session)
        cells.rebuild(session)
        assert cells.snapshot(session) == kept
        session.rollback()

    # A bulk classification job sent to A, run by the worker, read through B.
    upload = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(NOTE_TEXTS))
    sent = httpx.post(
        f"{a}/v1/classify/jobs",
        content=upload.encode(),
        headers={**_auth(tagger), "Content-Type": "application/x-ndjson"},
        timeout=30,
    )
    assert sent.status_code == 202, sent.text
    bulk_id = sent.json()["id"]
    _wait(
        lambda: (
            httpx.get(f"{b}/v1/classify/jobs/{bulk_id}", headers=_auth(tagger)).json()["status"]
            == "succeeded"
        ),
        120,
        "the classify job",
    )
    results = httpx.get(f"{b}/v1/classify/jobs/{bulk_id}/results", headers=_auth(tagger))
    assert [json.loads(x)["id"] for x in results.text.splitlines()] == [
        str(i) for i in range(len(NOTE_TEXTS))
    ]
    assert {json.loads(x)["model"] for x in results.text.splitlines()} == {version}

    counts = [
        httpx.get(
            f"{x}/v1/counts", params={"group_by": "theme,borough"}, headers=_auth(admin), timeout=30
        ).json()
        for x in (a, b)
    ]
    assert counts[0] == counts[1]
    assert counts[0]["total"]["notes"] == len(texts)
