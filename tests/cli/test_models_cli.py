from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.db.engine import database_url, make_engine
from api.db.migrate import upgrade
from api.db.tables import Job
from cli.main import app
from models.classifier import ThemeClassifier
from models.registry import ModelRegistry
from tests.factories import THEMES, tiny_corpus

runner = CliRunner()


def card(macro: float) -> dict[str, object]:
    per_theme = {name: {"f1": macro} for name in THEMES}
    return {
        "kind": "linear",
        "created_at": "2026-01-01",
        "test_fingerprint": "x",
        "metrics": {"test": {"macro_f1": macro, "per_theme": per_theme}},
    }


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelRegistry:
    texts, labels = tiny_corpus()
    model = ThemeClassifier().fit(texts, labels, theme_names=THEMES)
    registry = ModelRegistry(tmp_path / "models")
    registry.register(model, card(0.9), version="a")
    registry.register(model, card(0.5), version="b")
    registry.set_active("a", reason="test")
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    return registry


def test_list_marks_the_active_version(home: ModelRegistry) -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("* a ")
    assert result.stdout.splitlines()[1].startswith("  b ")


def test_show_prints_the_card(home: ModelRegistry) -> None:
    result = runner.invoke(app, ["models", "show", "b"])
    assert json.loads(result.stdout)["metrics"]["test"]["macro_f1"] == 0.5


def test_activate_refuses_worse_then_force_then_rollback(home: ModelRegistry) -> None:
    refused = runner.invoke(app, ["models", "activate", "b"])
    assert refused.exit_code != 0
    assert "worse than the active a" in str(refused.exception)
    assert home.active() == "a"
    forced = runner.invoke(app, ["models", "activate", "b", "--force"])
    assert forced.exit_code == 0
    assert "active: b" in forced.stdout
    back = runner.invoke(app, ["models", "rollback"])
    assert "active: a" in back.stdout
    assert home.active() == "a"


def test_list_with_no_models_says_how_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    result = runner.invoke(app, ["models", "list"])
    assert "walktalk train" in result.stdout


def test_delete_asks_first_and_refuses_the_active_version(home: ModelRegistry) -> None:
    kept = runner.invoke(app, ["models", "delete", "b"], input="n\n")
    assert kept.exit_code == 1
    assert "for good?" in kept.output
    assert [info.version for info in home.versions()] == ["a", "b"]
    active = runner.invoke(app, ["models", "delete", "a", "--yes"])
    assert "a is the active version" in str(active.exception)
    unknown = runner.invoke(app, ["models", "delete", "zz", "--yes"])
    assert "No model version 'zz'" in str(unknown.exception)
    gone = runner.invoke(app, ["models", "delete", "b"], input="y\n")
    assert gone.exit_code == 0, gone.output
    assert "deleted b" in gone.output
    assert [info.version for info in home.versions()] == ["a"]


def test_delete_refuses_a_version_an_unfinished_job_uses(
    home: ModelRegistry, tmp_path: Path
) -> None:
    engine = make_engine(database_url(None, tmp_path))
    upgrade(engine)
    with Session(engine) as session, session.begin():
        session.add(
            Job(
                kind="classify",
                status="running",
                params={"version": "b"},
                requested_by="test",
                created_at=datetime(2026, 12, 1),
            )
        )
    engine.dispose()
    refused = runner.invoke(app, ["models", "delete", "b", "--yes"])
    assert refused.exit_code != 0
    assert "still used by unfinished job(s) 1" in str(refused.exception)
    assert [info.version for info in home.versions()] == ["a", "b"]
