"""`walktalk train --include-reviewed` trains on the seed corpus plus the store's reviewed notes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.db.tables import Note
from api.notes.repository import calendar
from api.reviews.service import record_review
from api.settings import Settings
from api.store import open_store
from cli.main import app
from models.registry import ModelRegistry

runner = CliRunner()
THEMES = ("lighting", "harassment", "isolation", "transport")


def store_reviewed_note(settings: Settings, text: str, themes: list[str]) -> None:
    moment = datetime(2026, 3, 1, 21, 0)
    day, week, month = calendar(moment)
    with open_store(settings) as session:
        note = Note(
            client="test",
            text=text,
            pii_types=[],
            places=[],
            created_at=moment,
            received_at=moment,
            day=day,
            week=week,
            month=month,
        )
        session.add(note)
        session.flush()
        record_review(session, note_id=note.id, reviewer="rev", themes=themes, known_themes=THEMES)


def test_train_includes_reviewed_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    store_reviewed_note(Settings(), "The subway under the ring road has no lights", ["lighting"])
    result = runner.invoke(
        app, ["train", "--kind", "linear", "--include-reviewed", "--name", "with-reviews"]
    )
    assert result.exit_code == 0, result.output
    assert "adding 1 reviewed notes" in result.output
    card = ModelRegistry(tmp_path / "models").card("with-reviews")
    assert card["data"]["extra_notes"] == 1


@pytest.mark.parametrize("layers", ["0", "7"])
def test_train_refuses_layers_the_encoder_does_not_have(
    layers: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    result = runner.invoke(app, ["train", "--layers", layers])
    assert result.exit_code == 2
    assert "--layers" in result.output
    assert not (tmp_path / "models").exists()


def test_train_refuses_a_negative_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    result = runner.invoke(app, ["train", "--seed", "-1"])
    assert result.exit_code == 2
    assert "--seed" in result.output
    assert not (tmp_path / "models").exists()


def test_train_refuses_an_unknown_precision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    result = runner.invoke(app, ["train", "--precision", "fp16"])
    assert result.exit_code == 2
    assert "--precision" in result.output
    assert "bf16" in result.output
    assert not (tmp_path / "models").exists()
