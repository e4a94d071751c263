"""Under a real uvicorn server, a 500 writes no note text or personal data to any log.

TestClient is not uvicorn: it neither prints tracebacks nor logs through
uvicorn's handlers, so these tests run the app on a socket, capture what the
process writes to stderr and every log record, and search them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from api.active_model import ActiveModel
from api.app import create_app
from api.auth.keys import create_key
from api.notes import repository
from nlp.redact import Redactor
from tests.api.conftest import Api, make_settings
from tests.api.live_server import serve

NAME, PHONE = "Shireen Okafor", "07700 900461"
TEXT = f"Pt {NAME} ({PHONE}) says a man follows her along the unlit towpath every night"


@pytest.fixture
def server(
    model_home: Path,
    database_url: str,
    shared_model: ActiveModel,
    shared_redactor: Redactor,
) -> Iterator[tuple[str, str]]:
    app = create_app(make_settings(model_home, database_url))
    app.state.model = shared_model
    app.state.redactor = shared_redactor
    with serve(app) as base:
        with Session(app.state.engine) as session, session.begin():
            key = create_key(session, name="boundary-tagger", role="tagger")[1]
        yield base, key


def _everything_logged(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    records = "\n".join(formatter.format(record) for record in caplog.records)
    captured = capfd.readouterr()
    return "\n".join([records, captured.out, captured.err])


def test_an_unexpected_error_is_a_500_with_a_request_id_and_no_text_in_any_log(
    server: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    base, key = server

    def failing_write(*args: object, **kwargs: object) -> None:
        # As a driver error would: its message quotes the statement's parameters.
        raise RuntimeError(f"could not store [parameters: {args!r}]")

    monkeypatch.setattr(repository, "add_new_notes", failing_write)
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.post(
            "/v1/notes",
            json={"notes": [{"text": TEXT, "location": f"flat of {NAME}, {PHONE}"}]},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 500
    body = response.json()
    assert body["title"] == "Internal error"
    assert body["request_id"] == response.headers["x-request-id"]
    assert response.headers["connection"] == "close"
    logged = _everything_logged(capfd, caplog)
    assert "RuntimeError" in logged  # the type is logged, with the request id
    assert body["request_id"] in logged
    for secret in (NAME, "Okafor", PHONE, "07700", "towpath", "[PERSON]"):
        assert secret not in logged
        assert secret not in response.text


def test_the_server_keeps_answering_after_a_500(
    server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, key = server
    monkeypatch.setattr(repository, "add_new_notes", lambda *a, **k: 1 / 0)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        assert (
            client.post("/v1/notes", json={"notes": [{"text": TEXT}]}, headers=headers).status_code
            == 500
        )
        assert (
            client.post("/v1/classify", json={"texts": [TEXT]}, headers=headers).status_code == 200
        )


@pytest.mark.parametrize("field", ["walk_id", "location", "external_id", "borough", "bcu"])
def test_a_control_character_in_a_field_is_a_422_naming_it_and_stores_nothing(
    api: Api, field: str
) -> None:
    from api.db.tables import Note

    value = f"w17\x00{NAME}"
    response = api.client.post(
        "/v1/notes",
        json={"notes": [{"text": TEXT, field: value}]},
        headers=api.headers("tagger"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"notes.0.{field}"
    assert NAME not in response.text
    assert api.rows(Note) == 0
