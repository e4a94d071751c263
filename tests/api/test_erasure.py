"""Erasure: a subject's request over the API and the CLI, and the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.db.tables import Erasure, Idempotency, Note, Prediction, Review
from api.notes.erasure import expire
from api.retention import expire_once
from api.reviews.service import record_review
from api.settings import Settings
from api.store import open_store
from cli.main import app
from tests.api.conftest import Api, cells_match_a_rebuild
from tests.factories import THEMES

NOTES = [
    {"text": "Pt Jo Pryce 07700 900461 followed from the bus stop", "external_id": "s1"},
    {"text": "Pitch black path by the canal, nobody about", "external_id": "s2"},
    {"text": "Lads shout at girls outside the chip shop", "external_id": "s3"},
]


def counts_match_a_rebuild(api: Api) -> bool:
    with api.session() as session:
        return cells_match_a_rebuild(session)


@pytest.fixture
def stored(api: Api) -> list[int]:
    response = api.client.post(
        "/v1/notes",
        json={"notes": [{**n, "source": "participant", "borough": "Camden"} for n in NOTES]},
        headers={**api.headers("tagger"), "Idempotency-Key": "batch-1"},
    )
    assert response.status_code == 201
    ids = [n["id"] for n in response.json()["notes"]]
    with api.session() as session, session.begin():
        record_review(
            session, note_id=ids[0], reviewer="rev", themes=["harassment"], known_themes=THEMES
        )
    return ids


def test_an_admin_erases_a_note_and_everything_derived_from_it(api: Api, stored: list[int]) -> None:
    response = api.client.delete(f"/v1/notes/{stored[0]}", headers=api.headers("admin"))
    assert response.status_code == 204
    assert api.client.get(f"/v1/notes/{stored[0]}", headers=api.headers("admin")).status_code == 404
    with api.session() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 2
        assert not session.scalars(select(Prediction).where(Prediction.note_id == stored[0])).all()
        assert not session.scalars(select(Review).where(Review.note_id == stored[0])).all()
        assert (
            session.scalar(select(func.count()).select_from(Idempotency)) == 0
        )  # it quoted the note
        (audit,) = session.scalars(select(Erasure)).all()
        assert (audit.note_id, audit.external_id, audit.reason) == (stored[0], "s1", "request")
        assert audit.requested_by.startswith("admin")
    assert counts_match_a_rebuild(api)
    counted = api.client.get("/v1/counts", headers=api.headers("reader")).json()
    assert counted["total"]["notes"] == 2


def test_only_an_admin_may_erase_and_an_unknown_note_is_404(api: Api, stored: list[int]) -> None:
    for role in ("analyst", "reviewer", "tagger", "reader"):
        assert (
            api.client.delete(f"/v1/notes/{stored[1]}", headers=api.headers(role)).status_code
            == 403
        )
    assert api.client.delete("/v1/notes/999999", headers=api.headers("admin")).status_code == 404
    assert api.rows(Note) == 3


def test_retention_erases_old_notes_only_and_keeps_counts_exact(
    api: Api, stored: list[int]
) -> None:
    old = [
        {
            "text": f"Street lamp {i} out on the high road",
            "created_at": f"2020-01-0{i + 1}T21:00:00Z",
        }
        for i in range(3)
    ]
    assert (
        api.client.post("/v1/notes", json={"notes": old}, headers=api.headers("tagger")).status_code
        == 201
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    with api.session() as session:
        assert expire(session, days=365, now=now) == 3
        assert expire(session, days=365, now=now) == 0
        reasons = session.scalars(select(Erasure.reason)).all()
    assert reasons == ["retention"] * 3
    assert api.rows(Note) == 3
    assert counts_match_a_rebuild(api)


def test_expire_once_reads_the_retention_setting(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, retention_days=30)
    with open_store(settings) as session:
        when = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=40)
        from tests.api.test_count_cells import store

        notes = store(session, [(0, 10, "officer", ("Camden", "Central North"), ["lighting"])])
        notes[0].created_at = when
    assert expire_once(settings) == 1
    assert expire_once(Settings(home=tmp_path)) == 0  # no period: nothing erased


def test_cli_erases_by_external_id_and_says_when_nothing_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    monkeypatch.delenv("WALKTALK_DATABASE_URL", raising=False)
    from tests.api.test_count_cells import store

    with open_store(Settings()) as session:
        store(session, [(0, 10, "officer", ("Camden", "Central North"), ["lighting"])] * 2)
    runner = CliRunner()
    result = runner.invoke(app, ["notes", "erase", "--external-id", "p1"])
    assert result.exit_code == 0, result.output
    assert "erased 1 note(s)" in result.stdout
    missing = runner.invoke(app, ["notes", "erase", "--external-id", "p1"])
    assert missing.exit_code != 0
    assert "nothing was erased" in str(missing.exception)
    both = runner.invoke(app, ["notes", "erase", "--id", "1", "--external-id", "p0"])
    assert both.exit_code == 2
