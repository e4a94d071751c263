"""One error shape, request ids, body limit, no note text in logs; meta endpoints."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import Api, make_settings

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


def test_every_error_has_the_same_shape(api: Api) -> None:
    answers = [
        api.client.get("/v1/counts"),  # 401
        api.client.post(
            "/v1/classify", json={"texts": ["x"]}, headers=api.headers("reader")
        ),  # 403
        api.client.get("/v1/notes/12345", headers=api.headers("reader")),  # 404
        api.client.get("/nowhere", headers=api.headers("reader")),  # 404 route
        api.client.delete("/v1/counts", headers=api.headers("reader")),  # 405
        api.client.post(
            "/v1/notes",
            content=b"{",
            headers={**api.headers("tagger"), "content-type": "application/json"},
        ),  # 400
        api.client.post("/v1/notes", json={"notes": []}, headers=api.headers("tagger")),  # 422
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 404, 405, 400, 422]
    for answer in answers:
        body = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert set(body) >= PROBLEM_KEYS
        assert body["status"] == answer.status_code
        assert body["request_id"] == answer.headers["x-request-id"]
        assert "Traceback" not in answer.text


def test_request_id_is_echoed_when_safe(api: Api) -> None:
    answer = api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert answer.headers["x-request-id"] == "abc-123"
    odd = api.client.get("/healthz", headers={"X-Request-ID": "no spaces <allowed>"})
    assert odd.headers["x-request-id"] != "no spaces <allowed>"


def test_body_over_the_limit_is_413(model_home: Path, database_url: str) -> None:
    app = create_app(make_settings(model_home, database_url, max_body_bytes=2_000))
    with TestClient(app) as client:
        answer = client.post("/v1/notes", json={"notes": [{"text": "x" * 5_000}]})
        assert answer.status_code == 413
        assert answer.json()["title"] == "Request too large"


def test_no_note_text_or_pii_in_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Priya Okonkwo on 07700 900461 says the lamp outside her flat is out"
    api.client.post(
        "/v1/notes",
        json={"notes": [{"text": secret, "external_id": "p1"}]},
        headers=api.headers("tagger"),
    )
    api.client.post("/v1/classify", json={"texts": [secret]}, headers=api.headers("tagger"))
    api.client.post(
        "/v1/notes",
        json={"notes": [{"text": secret, "borough": "Nowhere"}]},
        headers=api.headers("tagger"),
    )
    api.client.get("/v1/notes", headers=api.headers("reader"))
    api.client.get("/v1/review/queue", headers=api.headers("reviewer"))
    api.client.get("/v1/safeguarding/queue", headers=api.headers("safeguarding"))
    note_id = api.client.get("/v1/notes", headers=api.headers("admin")).json()["notes"][0]["id"]
    api.client.put(
        f"/v1/notes/{note_id}/labels",
        json={"themes": ["lighting"], "comment": secret},
        headers=api.headers("reviewer"),
    )
    api.client.put(
        f"/v1/notes/{note_id}/labels",
        json={"themes": [secret], "comment": secret},
        headers=api.headers("reviewer"),
    )
    api.client.get(f"/v1/notes/{note_id}/history", headers=api.headers("reader"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /v1/notes" in logged  # the access log did run
    assert "Priya" not in logged
    assert "07700" not in logged


def test_themes_models_and_metrics(api: Api) -> None:
    reader = api.headers("reader")
    themes = api.client.get("/v1/themes", headers=reader).json()
    assert [t["name"] for t in themes["themes"]] == [
        "lighting",
        "harassment",
        "isolation",
        "transport",
    ]
    assert all(t["description"] and t["examples"] for t in themes["themes"])
    models = api.client.get("/v1/models", headers=reader).json()
    assert models["active"] == "seed-linear"
    assert models["versions"][0]["macro_f1"] > 0.8
    api.client.post("/v1/classify", json={"texts": ["dark"]}, headers=api.headers("tagger"))
    metrics = api.client.get("/metrics", headers=reader)
    assert (
        'walktalk_requests_total{method="POST",route="/v1/classify",status="200"} 1.0'
        in metrics.text
    )


def test_readyz_reports_the_model(api: Api) -> None:
    assert api.client.get("/readyz").json() == {"status": "ready", "model": "seed-linear"}


def test_without_an_active_model_classify_and_readyz_say_503(
    tmp_path: Path, database_url: str, shared_redactor: object
) -> None:
    app = create_app(make_settings(tmp_path / "empty-home", database_url))
    app.state.redactor = shared_redactor
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "walktalk train" in ready.json()["detail"]
        from sqlalchemy.orm import Session

        from api.auth.keys import create_key

        with Session(app.state.engine) as session, session.begin():
            key = create_key(session, name="t", role="tagger")[1]
        answer = client.post(
            "/v1/classify", json={"texts": ["dark"]}, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 503
        assert answer.json()["title"] == "Model registry"
        assert "walktalk train" in answer.json()["detail"]


def test_the_docs_page_is_served_locally_under_a_csp(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "cdn" not in page.text.lower()
    script = api.client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert api.client.get("/docs/assets/index.html").status_code == 404
    assert api.client.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404
    assert api.client.get("/redoc").status_code == 404
