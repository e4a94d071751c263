"""A note that discloses harm reaches the safeguarding queue, and only its readers see its text."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.db.tables import Note
from api.settings import Settings
from api.store import open_store
from cli.main import app
from models.registry import FLAG_FOLDER
from tests.api.conftest import Api

DISCLOSURE = (
    "My ex-partner waits outside my flat every night and texted that he will hurt me "
    "if I go to the police. I am scared to go home."
)
ORDINARY = "The lamps along the canal towpath have been out for weeks, it is pitch black."


def _post(api: Api, *texts: str) -> list[int]:
    notes = [{"text": t} for t in texts]
    answer = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert answer.status_code == 201
    return [n["id"] for n in answer.json()["notes"]]


def _queue(api: Api, **params: object) -> dict[str, object]:
    answer = api.client.get(
        "/v1/safeguarding/queue", params=params, headers=api.headers("safeguarding")
    )
    assert answer.status_code == 200
    body: dict[str, object] = answer.json()
    return body


def test_a_disclosure_is_flagged_and_queued_and_an_ordinary_note_is_not(api: Api) -> None:
    flagged, ordinary = _post(api, DISCLOSURE, ORDINARY)
    queue = _queue(api)
    listed = {n["id"]: n for n in queue["notes"]}  # type: ignore[attr-defined]
    assert flagged in listed
    assert ordinary not in listed
    assert listed[flagged]["text"].startswith("My ex-partner")
    assert queue["unread"] == 1


def test_other_roles_see_that_the_text_is_withheld(api: Api) -> None:
    flagged, ordinary = _post(api, DISCLOSURE, ORDINARY)
    for role in ("reader", "reviewer", "analyst"):
        note = api.client.get(f"/v1/notes/{flagged}", headers=api.headers(role)).json()
        assert note["urgent"] is True
        assert note["text"] is None
        assert note["text_withheld"] is True
        assert note["prediction"]["evidence"] == {}
        page = api.client.get("/v1/notes", headers=api.headers(role)).json()["notes"]
        by_id = {n["id"]: n for n in page}
        assert by_id[flagged]["text"] is None
        assert by_id[ordinary]["text"] == ORDINARY
    admin = api.client.get(f"/v1/notes/{flagged}", headers=api.headers("admin")).json()
    assert admin["text"].startswith("My ex-partner")


def test_the_flag_never_changes_themes_or_counts(api: Api) -> None:
    (flagged,) = _post(api, DISCLOSURE)
    themes = api.client.get(f"/v1/notes/{flagged}", headers=api.headers("admin")).json()["themes"]
    classified = api.client.post(
        "/v1/classify", json={"texts": [DISCLOSURE]}, headers=api.headers("tagger")
    ).json()["results"][0]["themes"]
    assert themes == classified
    counts = api.client.get(
        "/v1/counts", params={"group_by": "theme"}, headers=api.headers("reader")
    ).json()
    assert counts["total"]["notes"] == 1
    assert {row["theme"] for row in counts["rows"]} == set(themes)


def test_reading_a_flagged_note_is_recorded_once(api: Api) -> None:
    flagged, ordinary = _post(api, DISCLOSURE, ORDINARY)
    path = f"/v1/safeguarding/notes/{flagged}/read"
    done = api.client.post(path, json={"outcome": "referred"}, headers=api.headers("safeguarding"))
    assert done.status_code == 200
    assert done.json()["read_by"] == "safeguarding-client"
    assert _queue(api)["unread"] == 0
    assert [n["id"] for n in _queue(api, include_read=True)["notes"]] == [flagged]  # type: ignore[attr-defined]
    again = api.client.post(path, json={"outcome": "referred"}, headers=api.headers("admin"))
    assert again.status_code == 409
    bad = api.client.post(path, json={"outcome": "sorted"}, headers=api.headers("admin"))
    assert bad.status_code == 422
    not_flagged = api.client.post(
        f"/v1/safeguarding/notes/{ordinary}/read",
        json={"outcome": "referred"},
        headers=api.headers("safeguarding"),
    )
    assert not_flagged.status_code == 404
    reader = api.client.post(path, json={"outcome": "referred"}, headers=api.headers("reader"))
    assert reader.status_code == 403


def test_only_those_who_may_read_a_flagged_note_may_label_it(api: Api) -> None:
    (flagged,) = _post(api, DISCLOSURE)
    path, body = f"/v1/notes/{flagged}/labels", {"themes": ["harassment"]}
    refused = api.client.put(path, json=body, headers=api.headers("reviewer"))
    assert refused.status_code == 403
    assert "flagged for safeguarding" in refused.json()["detail"]
    assert api.client.put(path, json=body, headers=api.headers("admin")).status_code == 200


def test_the_theme_review_queue_never_hands_out_a_flagged_note(api: Api) -> None:
    flagged, ordinary = _post(api, DISCLOSURE, ORDINARY)
    queue = api.client.get(
        "/v1/review/queue", params={"limit": 50}, headers=api.headers("reviewer")
    ).json()
    handed = {n["id"] for n in queue["items"]}
    assert ordinary in handed
    assert flagged not in handed


def test_rescore_flags_notes_stored_before_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_home: Path
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    monkeypatch.delenv("WALKTALK_DATABASE_URL", raising=False)
    shutil.copytree(model_home / FLAG_FOLDER, tmp_path / FLAG_FOLDER)
    moment = datetime(2026, 11, 1, 21, 0)
    with open_store(Settings()) as session:
        for i, text in enumerate((DISCLOSURE, ORDINARY)):
            session.add(
                Note(
                    client="old",
                    external_id=f"old-{i}",
                    text=text,
                    pii_types=[],
                    places=[],
                    created_at=moment,
                    received_at=moment,
                    day=moment.date(),
                    week=moment.date(),
                    month=moment.date(),
                )
            )
    result = CliRunner().invoke(app, ["safeguarding", "rescore"])
    assert result.exit_code == 0, result.output
    assert "scored 2 note(s); 1 flagged" in result.stdout
    with open_store(Settings()) as session:
        flags = dict(session.execute(select(Note.text, Note.urgent)).all())
    assert flags == {DISCLOSURE: True, ORDINARY: False}
    again = CliRunner().invoke(app, ["safeguarding", "rescore"])
    assert "scored 0 note(s)" in again.stdout
