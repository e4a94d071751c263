"""A real app on a real database: SQLite in a temp folder, and PostgreSQL where reachable.

Every API test runs twice, once per database. PostgreSQL tests use a schema of
their own (dropped at the end) on the server named by WALKTALK_TEST_DATABASE_URL
(default: the local server's `test` database) and are skipped, with the reason,
when no server answers. The model is a real linear model trained once on the
seed corpus.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from api.active_model import ActiveModel
from api.app import build_redactor, create_app
from api.auth.keys import create_key
from api.auth.roles import Role
from api.db.tables import Base
from api.jobs.catalogue import JobEnv
from api.settings import Settings
from models.registry import FLAG_FOLDER, ModelRegistry
from nlp.areas import load_areas
from nlp.cues import build_lexicon
from nlp.redact import Redactor
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
from nlp.taxonomy import load_taxonomy
from training.corpora import Corpora
from training.safeguarding import train_flag
from training.train import TrainConfig, run_training

PG_URL = os.environ.get(
    "WALKTALK_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A walktalk home whose registry holds one active model trained on the seed corpus."""
    home = tmp_path_factory.mktemp("home")
    run_training(
        # The default C grid, as a training run over the API uses: the dashboard
        # test promotes such a run through the gate against this model.
        TrainConfig(kind="linear", name="seed-linear"),
        corpora=Corpora(),
        registry=ModelRegistry(home / "models"),
        taxonomy=load_taxonomy(DEFAULT_TAXONOMY),
        areas=load_areas(DEFAULT_AREAS),
    )
    settings = Settings(home=home)
    train_flag(
        ModelRegistry(home / FLAG_FOLDER),
        taxonomy=load_taxonomy(DEFAULT_TAXONOMY),
        areas=load_areas(DEFAULT_AREAS),
        redactor=build_redactor(settings, load_areas(DEFAULT_AREAS)),
        name="flag-test",
    )
    return home


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, or a skip saying why there is none."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as err:  # any driver error means: no usable server here
        admin.dispose()
        reason = f"no PostgreSQL server at {PG_URL} ({type(err).__name__})"
        if os.environ.get("WALKTALK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}, and WALKTALK_REQUIRE_POSTGRES=1 (as in CI)")
        pytest.skip(
            f"no PostgreSQL server at {PG_URL} ({type(err).__name__}); set WALKTALK_TEST_DATABASE_URL"
        )
    schema = f"wt_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'walktalk.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    clean_slate(url)
    return url


def clean_slate(url: str) -> None:
    """Empty every table the PostgreSQL schema has: the schema is shared by the session's tests."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [t.name for t in Base.metadata.sorted_tables if _exists(connection, t.name)]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _exists(connection: object, table: str) -> bool:
    found = connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()  # type: ignore[attr-defined]
    return found is not None


@dataclass
class Api:
    """A running app, its database and an API key per role."""

    client: TestClient
    engine: Engine
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def rows(self, table: type[Base]) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)

    def session(self) -> Session:
        return Session(self.engine)


def cells_match_a_rebuild(session: Session) -> bool:
    """Whether the count cells equal a rebuild from the notes (the rebuild is rolled back)."""
    from api.counts import cells

    kept = cells.snapshot(session)
    cells.rebuild(session)
    rebuilt = cells.snapshot(session)
    session.rollback()
    return kept == rebuilt


def predictions_per_note(session: Session, job_id: int) -> dict[int, int]:
    """How many predictions a job stored for each note it scored."""
    from api.db.tables import Prediction

    rows = session.execute(
        select(Prediction.note_id, func.count())
        .where(Prediction.job_id == job_id)
        .group_by(Prediction.note_id)
    ).all()
    return {int(note_id): int(count) for note_id, count in rows}


def make_settings(home: Path, url: str, **overrides: object) -> Settings:
    return Settings(home=home, database_url=url, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shared_model(model_home: Path) -> ActiveModel:
    """One loaded model for every test app (loading it per test would dominate the run)."""
    model = ActiveModel(
        ModelRegistry(model_home / "models"), build_lexicon(load_taxonomy(DEFAULT_TAXONOMY))
    )
    model.current()
    return model


@pytest.fixture(scope="session")
def shared_redactor(model_home: Path) -> Redactor:
    """One loaded spaCy pipeline for every test app, like the model."""
    return build_redactor(make_settings(model_home, "sqlite://"), load_areas(DEFAULT_AREAS))


@pytest.fixture
def app_under_test(
    model_home: Path, database_url: str, shared_model: ActiveModel, shared_redactor: Redactor
) -> FastAPI:
    """An app on this test's database, with the shared model and redactor (not yet started)."""
    app = create_app(make_settings(model_home, database_url))
    app.state.model = shared_model
    app.state.redactor = shared_redactor
    return app


@pytest.fixture
def api(app_under_test: FastAPI) -> Iterator[Api]:
    app = app_under_test
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(
            client=client, engine=app.state.engine, keys=keys_for_every_role(app.state.engine)
        )


def keys_for_every_role(engine: Engine) -> dict[str, str]:
    """One API key per role, named `<role>-client`."""
    with Session(engine) as session, session.begin():
        return {
            role.value: create_key(session, name=f"{role.value}-client", role=role.value)[1]
            for role in Role
        }


@contextmanager
def own_app(
    model_home: Path, database_url: str, tmp_path: Path, redactor: Redactor, **overrides: object
) -> Iterator[Api]:
    """An app of the test's own (its own home with a copy of the shared model), as a client."""
    home = tmp_path / "home"
    shutil.copytree(model_home / "models", home / "models")
    app = create_app(make_settings(home, database_url, **overrides))
    app.state.redactor = redactor
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(
            client=client, engine=app.state.engine, keys=keys_for_every_role(app.state.engine)
        )


@dataclass
class LiveApi:
    """The app on a real uvicorn socket: its base URL, a tagger key, its engine."""

    base: str
    tagger_key: str
    engine: Engine


@pytest.fixture
def live_api(app_under_test: FastAPI) -> Iterator[LiveApi]:
    """For what TestClient cannot show: uvicorn's own logging, and requests racing each other."""
    from tests.api.live_server import serve

    app = app_under_test
    with serve(app) as base:
        with Session(app.state.engine) as session, session.begin():
            key = create_key(session, name="live-tagger", role="tagger")[1]
        yield LiveApi(base=base, tagger_key=key, engine=app.state.engine)


@pytest.fixture
def env(api: Api, app_under_test: FastAPI) -> JobEnv:
    """What a job body gets, over an app holding 48 stored notes."""
    from tests.factories import NOTE_TEXTS

    notes = [
        {"text": f"{text} ({i})", "source": "participant", "borough": "Camden"}
        for i in range(6)
        for text in NOTE_TEXTS
    ]
    posted = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert posted.status_code == 201, posted.text
    state = app_under_test.state
    return JobEnv(
        sessions=state.sessions,
        settings=state.settings,
        registry=state.model.registry,
        lexicon=state.model.lexicon,
        taxonomy=state.taxonomy,
        areas=state.areas,
        redactor=state.redactor,
    )


REDIS_URL = os.environ.get("WALKTALK_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_url() -> str:
    """The suite's own Redis database, emptied first; a skip without Redis (a failure in CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as err:
        if os.environ.get("WALKTALK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"no Redis at {REDIS_URL} ({type(err).__name__}), needed in CI")
        pytest.skip(f"no Redis at {REDIS_URL} ({type(err).__name__}); set WALKTALK_TEST_REDIS_URL")
    finally:
        client.close()
    return REDIS_URL
