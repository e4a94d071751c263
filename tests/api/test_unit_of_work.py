"""The request owns its transaction: committed when the handler returns, rolled back when it raises.

A small app with the real `Db` dependency, the real error handlers and a real
database (SQLite and PostgreSQL): one route writes and returns, one writes and
then refuses the request, one writes and then fails unexpectedly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import make_engine, make_session_factory
from api.db.migrate import upgrade
from api.db.tables import Erasure
from api.deps import Db
from api.errors import ConflictError, install_error_handlers
from api.middleware import ErrorBoundary


def _audit_line(db: Session, note_id: int) -> None:
    db.add(
        Erasure(
            note_id=note_id,
            client="c",
            reason="request",
            requested_by="test",
            erased_at=datetime(2026, 12, 6),
        )
    )
    db.flush()


def _app(database_url: str) -> FastAPI:
    app = FastAPI()
    engine = make_engine(database_url)
    upgrade(engine)
    app.state.sessions = make_session_factory(engine)
    app.state.engine = engine
    install_error_handlers(app)
    app.add_middleware(ErrorBoundary)

    @app.post("/ok")
    def ok(db: Db) -> dict[str, str]:
        _audit_line(db, 1)
        return {"ok": "yes"}

    @app.post("/refused")
    def refused(db: Db) -> dict[str, str]:
        _audit_line(db, 2)
        raise ConflictError("refused after writing")

    @app.post("/broken")
    def broken(db: Db) -> dict[str, str]:
        _audit_line(db, 3)
        raise RuntimeError("unexpected")

    return app


@pytest.fixture
def client(database_url: str) -> Iterator[tuple[TestClient, FastAPI]]:
    app = _app(database_url)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client, app
    app.state.engine.dispose()


def _lines(app: FastAPI) -> list[int]:
    with Session(app.state.engine) as session:
        return sorted(session.scalars(select(Erasure.note_id)))


def test_a_handler_that_returns_has_its_writes_committed(
    client: tuple[TestClient, FastAPI],
) -> None:
    test_client, app = client
    assert test_client.post("/ok").status_code == 200
    assert _lines(app) == [1]


def test_a_refused_request_leaves_nothing_behind(client: tuple[TestClient, FastAPI]) -> None:
    test_client, app = client
    answer = test_client.post("/refused")
    assert answer.status_code == 409
    assert answer.json()["detail"] == "refused after writing"
    assert _lines(app) == []


def test_an_unexpected_failure_leaves_nothing_behind(client: tuple[TestClient, FastAPI]) -> None:
    test_client, app = client
    answer = test_client.post("/broken")
    assert answer.status_code == 500
    assert answer.json()["title"] == "Internal error"
    assert _lines(app) == []
