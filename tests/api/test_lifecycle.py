"""Training runs, activation through the gate, rollback and re-tag, on a registry of its own.

These tests move the registry's ACTIVE pointer, so each gets a copy of the
trained home and its own loaded model instead of the session-wide one.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db.tables import Job, Note, Prediction
from api.reviews.service import record_review
from models.classifier import ThemeClassifier
from models.registry import ModelRegistry
from nlp.areas import load_areas
from nlp.redact import Redactor
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY, SEED_DIR
from nlp.taxonomy import load_taxonomy
from tests.api.conftest import Api, own_app
from tests.factories import NOTE_TEXTS, THEMES, tiny_corpus
from training.train import load_seed

TEXTS = NOTE_TEXTS[:5]


@pytest.fixture
def own(
    model_home: Path, database_url: str, tmp_path: Path, shared_redactor: Redactor
) -> Iterator[Api]:
    with own_app(model_home, database_url, tmp_path, shared_redactor) as api:
        notes = [{"text": t, "source": "officer", "borough": "Hackney"} for t in TEXTS]
        posted = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
        assert posted.status_code == 201
        yield api


def wait_for(api: Api, path: str, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = api.client.get(path, headers=api.headers("analyst")).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"{path} did not finish in {timeout} s")


def active(api: Api) -> str:
    body = api.client.get("/v1/models", headers=api.headers("reader")).json()
    return str(body["active"])


def test_training_run_uses_reviews_then_promote_and_roll_back(own: Api) -> None:
    with own.session() as session, session.begin():
        note_id = session.scalars(select(Note.id).order_by(Note.id)).first()
        assert note_id is not None
        record_review(
            session, note_id=note_id, reviewer="rev", themes=["isolation"], known_themes=THEMES
        )
    started = own.client.post(
        "/v1/training-runs",
        json={"kind": "linear", "include_reviewed": True},
        headers=own.headers("analyst"),
    )
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] in ("queued", "running")
    assert run["params"]["layers"] == 6  # kept with the job for a worker that takes it over
    assert run["params"]["precision"] == "auto"
    again = own.client.post("/v1/training-runs", json={}, headers=own.headers("analyst"))
    assert again.status_code == 409
    done = wait_for(own, f"/v1/training-runs/{run['id']}")
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["reviewed_notes"] == 1
    assert done["progress"] == 1.0
    assert done["log"]
    version = done["version"]
    card = own.client.get(f"/v1/models/{version}", headers=own.headers("analyst")).json()
    assert card["data"]["extra_notes"] == 1
    listed = own.client.get("/v1/training-runs", headers=own.headers("admin")).json()["runs"]
    assert [r["id"] for r in listed] == [run["id"]]

    assert active(own) == "seed-linear"
    promoted = own.client.post(
        f"/v1/models/{version}/activate", json={"force": False}, headers=own.headers("analyst")
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["active"] == version
    classified = own.client.post(
        "/v1/classify", json={"texts": ["dark alley"]}, headers=own.headers("tagger")
    ).json()
    assert classified["results"][0]["model"] == version, "the service switched without a restart"
    back = own.client.post("/v1/models/rollback", headers=own.headers("analyst"))
    assert back.json() == {"active": "seed-linear", "previous": version}
    assert active(own) == "seed-linear"
    nothing = own.client.post("/v1/models/rollback", headers=own.headers("analyst"))
    assert nothing.status_code == 409

    path = f"/v1/models/{version}"
    assert own.client.delete(path, headers=own.headers("analyst")).status_code == 403
    assert own.client.delete(path, headers=own.headers("admin")).status_code == 204
    assert own.client.delete(path, headers=own.headers("admin")).status_code == 404
    assert own.client.get(path, headers=own.headers("admin")).status_code == 404
    active_one = own.client.delete("/v1/models/seed-linear", headers=own.headers("admin"))
    assert active_one.status_code == 409
    assert "active version" in active_one.json()["detail"]


def queued_retag(version: str) -> Job:
    """A re-tag job waiting in the queue, pinned to `version`."""
    return Job(
        kind="retag",
        status="queued",
        params={"version": version},
        requested_by="test",
        created_at=datetime(2026, 12, 1),
    )


def test_a_version_an_unfinished_job_uses_is_not_deleted(own: Api, tmp_path: Path) -> None:
    registry = tmp_path / "home" / "models"
    shutil.copytree(registry / "seed-linear", registry / "spare")  # never active
    with Session(own.engine) as session, session.begin():
        job, other = queued_retag("spare"), queued_retag("seed-linear")
        session.add_all([job, other])
        session.flush()
        job_id = job.id
    refused = own.client.delete("/v1/models/spare", headers=own.headers("admin"))
    assert refused.status_code == 409
    assert f"unfinished job(s) {job_id}" in refused.json()["detail"]
    assert (registry / "spare").is_dir()
    with Session(own.engine) as session, session.begin():
        session.execute(update(Job).where(Job.id == job_id).values(status="succeeded"))
    deleted = own.client.delete("/v1/models/spare", headers=own.headers("admin"))
    assert deleted.status_code == 204
    assert not (registry / "spare").exists()


def test_lifecycle_needs_the_right_role(own: Api) -> None:
    for role in ("tagger", "reader", "reviewer"):
        headers = own.headers(role)
        assert own.client.post("/v1/training-runs", json={}, headers=headers).status_code == 403
        assert own.client.post("/v1/models/rollback", headers=headers).status_code == 403
        assert own.client.get("/v1/training-runs", headers=headers).status_code == 403
        assert own.client.post("/v1/review/label-check", headers=headers).status_code == 403
    forced = own.client.post(
        "/v1/models/seed-linear/activate", json={"force": True}, headers=own.headers("analyst")
    )
    assert forced.status_code == 403
    assert "admin" in forced.json()["detail"]
    missing = own.client.post("/v1/models/nope/activate", headers=own.headers("admin"))
    assert missing.status_code == 404
    bad = own.client.post(
        "/v1/training-runs", json={"kind": "forest"}, headers=own.headers("analyst")
    )
    assert bad.status_code == 422
    for layers in (0, 7, "three"):
        refused = own.client.post(
            "/v1/training-runs", json={"layers": layers}, headers=own.headers("analyst")
        )
        assert refused.status_code == 422, refused.text
        assert "layers" in refused.text
    refused = own.client.post(
        "/v1/training-runs", json={"precision": "fp16"}, headers=own.headers("analyst")
    )
    assert refused.status_code == 422, refused.text
    assert "precision" in refused.text
    assert (
        own.client.get("/v1/training-runs/999", headers=own.headers("analyst")).status_code == 404
    )


def test_retag_switches_predictions_but_keeps_reviews(own: Api) -> None:
    with own.session() as session, session.begin():
        first = session.scalars(select(Note).order_by(Note.id)).first()
        assert first is not None
        record_review(
            session, note_id=first.id, reviewer="rev", themes=["transport"], known_themes=THEMES
        )
        reviewed_id = first.id
    before = own.client.get("/v1/counts", headers=own.headers("reader")).json()
    started = own.client.post("/v1/models/seed-linear/retag", headers=own.headers("analyst"))
    assert started.status_code == 202, started.text
    done = wait_for(own, f"/v1/jobs/{started.json()['id']}")
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["notes"] == len(TEXTS)
    with own.session() as session:
        assert session.scalar(select(Prediction.id).where(Prediction.id > len(TEXTS)).limit(1))
        current = {n.id: n.prediction_id for n in session.scalars(select(Note))}
        assert all(pid is not None and pid > len(TEXTS) for pid in current.values())
    note = own.client.get(f"/v1/notes/{reviewed_id}", headers=own.headers("reader")).json()
    assert note["themes"] == ["transport"]
    after = own.client.get("/v1/counts", headers=own.headers("reader")).json()
    assert after["total"] == before["total"], "same model, same labels: counts unchanged"
    history = own.client.get(
        f"/v1/notes/{reviewed_id}/history", headers=own.headers("reader")
    ).json()
    assert [p["current"] for p in history["predictions"]] == [False, True]


def test_label_check_sends_contradicted_reviews_back_to_the_queue(own: Api) -> None:
    seed = load_seed(
        SEED_DIR, taxonomy=load_taxonomy(DEFAULT_TAXONOMY), areas=load_areas(DEFAULT_AREAS)
    )
    gold = [n for n in seed.validation if not n.pii][:40]
    body = {"notes": [{"text": n.text, "external_id": n.id} for n in gold]}
    stored = own.client.post("/v1/notes", json=body, headers=own.headers("tagger")).json()["notes"]
    flipped = {note["id"] for note, n in zip(stored[:6], gold[:6], strict=True) if n.themes}
    with own.session() as session, session.begin():
        for note, n in zip(stored, gold, strict=True):
            themes = (
                [t for t in THEMES if t not in n.themes]
                if note["id"] in flipped
                else list(n.themes)
            )
            record_review(
                session, note_id=note["id"], reviewer="rev", themes=themes, known_themes=THEMES
            )
    started = own.client.post("/v1/review/label-check", headers=own.headers("analyst"))
    assert started.status_code == 202, started.text
    done = wait_for(own, f"/v1/jobs/{started.json()['id']}")
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["checked"] == len(gold)
    queued = own.client.get("/v1/review/queue?limit=50", headers=own.headers("reviewer")).json()
    suspect = {i["id"] for i in queued["items"] if i["reason"].startswith("may be mislabelled")}
    assert len(suspect & flipped) >= len(flipped) - 1
    assert len(suspect - flipped) <= 4


def test_gate_refuses_a_worse_model_and_only_an_admin_forces_it(own: Api, tmp_path: Path) -> None:
    texts, labels = tiny_corpus()
    weak = ThemeClassifier().fit(texts, labels, theme_names=THEMES)
    per_theme = {name: {"f1": 0.2} for name in THEMES}
    card = {
        "kind": "linear",
        "test_fingerprint": "other",
        "metrics": {"test": {"macro_f1": 0.2, "per_theme": per_theme}},
    }
    ModelRegistry(tmp_path / "home" / "models").register(weak, card, version="weak")
    refused = own.client.post("/v1/models/weak/activate", headers=own.headers("analyst"))
    assert refused.status_code == 409
    assert "macro-F1 0.200" in refused.json()["detail"]
    assert "force" in refused.json()["detail"]
    assert active(own) == "seed-linear"
    forced = own.client.post(
        "/v1/models/weak/activate", json={"force": True}, headers=own.headers("admin")
    )
    assert forced.status_code == 200
    assert forced.json()["gate"]["passed"] is False
    assert active(own) == "weak"


def test_requests_in_flight_never_fail_while_versions_switch(own: Api, tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "home" / "models")
    registry.register(registry.load("seed-linear"), registry.card("seed-linear"), version="twin")
    stop = threading.Event()
    answers: list[tuple[int, str]] = []

    def classify() -> None:
        while not stop.is_set():
            response = own.client.post(
                "/v1/classify", json={"texts": ["dark path"]}, headers=own.headers("tagger")
            )
            model = response.json()["results"][0]["model"] if response.status_code == 200 else ""
            answers.append((response.status_code, model))

    with ThreadPoolExecutor(max_workers=3) as pool:
        for _ in range(3):
            pool.submit(classify)
        for _ in range(5):
            assert (
                own.client.post(
                    "/v1/models/twin/activate", headers=own.headers("analyst")
                ).status_code
                == 200
            )
            time.sleep(0.05)
            assert (
                own.client.post("/v1/models/rollback", headers=own.headers("analyst")).status_code
                == 200
            )
            time.sleep(0.05)
        stop.set()
    assert answers
    assert {status for status, _ in answers} == {200}
    assert {model for _, model in answers} == {"seed-linear", "twin"}


def test_retag_with_another_version_moves_counts_and_flags_disagreements(
    own: Api, tmp_path: Path
) -> None:
    texts, labels = tiny_corpus()
    other = ThemeClassifier().fit(texts, labels, theme_names=THEMES)
    ModelRegistry(tmp_path / "home" / "models").register(other, {"kind": "linear"}, version="tiny")
    with own.session() as session, session.begin():
        reviewed = session.scalars(select(Note.id).order_by(Note.id)).first()
        assert reviewed is not None
        record_review(
            session, note_id=reviewed, reviewer="rev", themes=["transport"], known_themes=THEMES
        )
    started = own.client.post("/v1/models/tiny/retag", headers=own.headers("analyst"))
    done = wait_for(own, f"/v1/jobs/{started.json()['id']}")
    assert done["status"] == "succeeded", done["error"]
    with own.session() as session:
        notes = list(session.scalars(select(Note).order_by(Note.id)))
        current = {
            p.note_id: sorted(p.themes)
            for p in session.scalars(select(Prediction).where(Prediction.model_version == "tiny"))
        }
    assert len(current) == len(TEXTS)
    expected: dict[str, int] = {}
    for note in notes:
        for theme in ["transport"] if note.id == reviewed else current[note.id]:
            expected[theme] = expected.get(theme, 0) + 1
    rows = own.client.get("/v1/counts", headers=own.headers("reader")).json()["rows"]
    assert {r["theme"]: r["count"] for r in rows} == expected
    assert done["result"]["changed"] > 0, "a model trained on a dozen notes disagrees somewhere"
    assert done["result"]["changed"] == sum(n.review_priority >= 1.0 for n in notes)
    queued = own.client.get("/v1/review/queue?limit=10", headers=own.headers("reviewer"))
    assert queued.json()["items"][0]["reason"] == "two model versions disagree"
