"""Model versions in the database: the registry's behaviour, seen from two "replicas".

Each test runs on SQLite and PostgreSQL. Two `DatabaseRegistry` objects with
their own cache folders and nothing else shared stand for two replicas.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db.migrate import upgrade
from api.db.tables import ModelFile
from api.model_store import DatabaseRegistry, open_registries
from api.settings import Settings, usable_cores
from models.classifier import ThemeClassifier
from models.errors import (
    PromotionRefusedError,
    RegistryConflictError,
    RegistryError,
    UnknownVersionError,
)
from models.registry import ModelRegistry
from tests.factories import THEMES, tiny_corpus
from tests.models.test_registry import card
from training.promotion import promote


@pytest.fixture(scope="module")
def model() -> ThemeClassifier:
    texts, labels = tiny_corpus()
    return ThemeClassifier().fit(texts, labels, theme_names=THEMES)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(database_url)
    upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def replica(sessions: sessionmaker[Session], cache: Path, poll: float = 0.2) -> DatabaseRegistry:
    return DatabaseRegistry(sessions, "models", cache, poll_seconds=poll)


def test_a_version_registered_on_one_replica_loads_on_another(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    a, b = replica(sessions, tmp_path / "a"), replica(sessions, tmp_path / "b")
    a.register(model, card(0.9), version="v1", markdown="# v1")
    assert [info.version for info in b.versions()] == ["v1"]
    assert b.card("v1")["version"] == "v1"
    texts, _ = tiny_corpus()
    assert (b.load("v1").predict(texts) == model.predict(texts)).all()
    cached = list((tmp_path / "b").iterdir())
    assert len(cached) == 1
    assert cached[0].name.startswith("v1-")
    b.load("v1")
    assert list((tmp_path / "b").iterdir()) == cached  # copied out once


def test_an_activation_on_one_replica_reaches_the_other_within_its_poll(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    a, b = replica(sessions, tmp_path / "a"), replica(sessions, tmp_path / "b")
    a.register(model, card(0.9), version="v1")
    a.register(model, card(0.9), version="v2")
    a.set_active("v1", reason="first")
    assert b.active() == "v1"
    a.set_active("v2", reason="second")
    deadline = time.monotonic() + 2.0
    while b.active() != "v2" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b.active() == "v2"
    assert b.rollback() == "v1"  # rolls back on the database's pointer, from either replica
    assert replica(sessions, tmp_path / "c").active() == "v1"
    with pytest.raises(RegistryConflictError, match="Nothing to roll back"):
        a.rollback()


def activated_in_turn(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier, versions: list[str]
) -> tuple[DatabaseRegistry, DatabaseRegistry]:
    """Two replicas (caches a and b); a registers and activates each version in turn."""
    a, b = replica(sessions, tmp_path / "a"), replica(sessions, tmp_path / "b")
    for version in versions:
        a.register(model, card(0.9), version=version, markdown=f"# {version}")
        a.set_active(version, reason="test")
    return a, b


def test_a_deleted_version_is_gone_from_the_database_and_the_local_copy(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    a, b = activated_in_turn(sessions, tmp_path, model, ["v1", "v2", "v3"])
    a.load("v1")  # a local copy in a's cache
    with pytest.raises(RegistryConflictError, match="active version"):
        b.delete("v3")
    with pytest.raises(RegistryConflictError, match="would restore"):
        b.delete("v2")
    a.delete("v1")
    assert [info.version for info in b.versions()] == ["v2", "v3"]
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith("v1-")]
    with Session(sessions.kw["bind"]) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(ModelFile).where(ModelFile.version == "v1")
            )
            == 0
        )
    with pytest.raises(UnknownVersionError):
        b.load("v1")
    assert b.rollback() == "v2"
    with pytest.raises(RegistryConflictError, match="Nothing to roll back"):
        b.rollback()


def test_a_replica_drops_its_copy_of_a_version_deleted_elsewhere_at_its_next_load(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    a, b = activated_in_turn(sessions, tmp_path, model, ["v1", "v2", "v3", "v4"])
    b.load("v1")
    b.load("v2")
    a.delete("v1")  # b's copy of v1 is on b's disk, out of a's reach
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "b").iterdir()) == ["v1", "v2"]
    b.load("v4")
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "b").iterdir()) == ["v2", "v4"]


def test_the_promotion_gate_works_on_the_database_registry(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    registry = replica(sessions, tmp_path / "a")
    registry.register(model, card(0.9), version="good")
    registry.set_active("good", reason="first")
    registry.register(model, {**card(0.5), "test_fingerprint": "abc"}, version="worse")
    with pytest.raises(PromotionRefusedError, match="worse than the active good"):
        promote(registry, "worse", force=False)
    assert registry.active() == "good"


def test_names_are_checked_and_unknown_versions_named(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    registry = replica(sessions, tmp_path / "a")
    registry.register(model, card(0.9), version="v1")
    with pytest.raises(RegistryConflictError, match="already exists"):
        registry.register(model, card(0.9), version="v1")
    with pytest.raises(RegistryError, match="not a valid version name"):
        registry.register(model, card(0.9), version="../evil")
    with pytest.raises(UnknownVersionError, match="known: v1"):
        registry.load("v9")
    with pytest.raises(UnknownVersionError):
        registry.set_active("v9", reason="no")
    with pytest.raises(RegistryError, match="No model is active"):
        registry.require_active()


def test_a_damaged_stored_file_is_refused_not_loaded(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    replica(sessions, tmp_path / "a").register(model, card(0.9), version="v1")
    with sessions() as session, session.begin():
        session.execute(update(ModelFile).values(content=b"not the model"))
    with pytest.raises(UnknownVersionError, match="damaged"):
        replica(sessions, tmp_path / "b").load("v1")
    assert not list((tmp_path / "b").glob("v1-*"))  # nothing half-copied left to load


def test_export_and_import_move_a_version_between_the_stores(
    sessions: sessionmaker[Session], tmp_path: Path, model: ThemeClassifier
) -> None:
    folders = ModelRegistry(tmp_path / "files")
    folders.register(model, card(0.9), version="v1", markdown="# card")
    folders.export("v1", tmp_path / "out")
    database = replica(sessions, tmp_path / "cache")
    database.import_folder(tmp_path / "out", version="v1")
    database.export("v1", tmp_path / "back")
    ModelRegistry(tmp_path / "again").import_folder(tmp_path / "back", version="copy")
    texts, _ = tiny_corpus()
    for registry, name in ((database, "v1"), (ModelRegistry(tmp_path / "again"), "copy")):
        assert (registry.load(name).predict(texts) == model.predict(texts)).all()
    assert ModelRegistry(tmp_path / "again").card("copy")["version"] == "copy"
    with pytest.raises(UnknownVersionError, match="not an exported model version"):
        database.import_folder(tmp_path / "files", version="v2")


CORES = usable_cores()


@pytest.mark.parametrize("store", ["files", "database"])
def test_registries_pass_the_model_threads_setting_on(
    store: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, model_store=store, model_threads=1)
    themes, flags = open_registries(settings, sessions)
    assert (themes.threads, flags.threads) == (1, 1)
    assert isinstance(themes, DatabaseRegistry) == (store == "database")


@pytest.mark.parametrize(
    ("workers", "model_threads", "expected"),
    [(1, 0, CORES), (2, 0, max(1, CORES // 2)), (CORES * 2, 0, 1), (2, 3, 3)],
)
def test_threads_per_process_share_the_cores_among_workers(
    workers: int, model_threads: int, expected: int, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, workers=workers, model_threads=model_threads)
    assert settings.threads_per_process() == expected
    themes, _ = open_registries(settings, None)
    assert themes.threads == expected
