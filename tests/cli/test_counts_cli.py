from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from api.db.tables import CountCell
from api.settings import Settings
from api.store import open_store
from cli.main import app
from tests.api.test_count_cells import store

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    monkeypatch.delenv("WALKTALK_DATABASE_URL", raising=False)
    return Settings()


def test_rebuild_says_how_many_cells_were_off(home: Settings) -> None:
    with open_store(home) as session:
        store(session, [(0, 10, "officer", ("Camden", "Central North"), ["lighting"])])
        session.execute(update(CountCell).values(notes=CountCell.notes + 1))
    result = runner.invoke(app, ["counts", "rebuild"])
    assert result.exit_code == 0, result.output
    assert (
        "rebuilt 6 count cells (by area, by hour and light, and by light); 2 differed"
        in result.stdout
    )
    again = runner.invoke(app, ["counts", "rebuild"])
    assert (
        "rebuilt 6 count cells (by area, by hour and light, and by light); 0 differed"
        in again.stdout
    )
