"""Walks: recorded with their route and officers, notes attached, counted by walk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

WALK = {
    "bcu": "Central North",
    "borough": "Camden",
    "starts_at": "2026-11-20T18:30:00Z",
    "ends_at": "2026-11-20T20:00:00Z",
    "route": ["Camden Town station", "Regent's Canal towpath", "Hawley Road"],
    "officers": ["PC 2231", "4417"],
    "participants": 9,
}


def _walk(api: Api, **changes: Any) -> Any:
    return api.client.post("/v1/walks", json={**WALK, **changes}, headers=api.headers("tagger"))


def test_a_walk_gathers_its_notes_and_their_themes(api: Api) -> None:
    created = _walk(api)
    assert created.status_code == 201, created.text
    walk = created.json()
    assert (walk["day"], walk["participants"], walk["notes"]) == ("2026-11-20", 9, 0)
    notes = [
        {"text": "The towpath lamps are all out", "walk": walk["id"]},
        {"text": "A man followed me off the bus and shouted at me", "walk": walk["id"]},
        {"text": "Deserted underpass with no cameras"},
    ]
    posted = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert posted.status_code == 201
    read = api.client.get(f"/v1/walks/{walk['id']}", headers=api.headers("reader")).json()
    assert read["notes"] == 2
    counts = api.client.get(
        "/v1/counts", params={"group_by": "walk,theme"}, headers=api.headers("reader")
    ).json()
    by_walk = {row["theme"]: row["notes"] for row in counts["rows"] if row["walk"] == walk["id"]}
    assert by_walk == read["themes"]
    assert sum(read["themes"].values()) >= 2
    only = api.client.get(
        "/v1/counts", params={"walk": walk["id"]}, headers=api.headers("reader")
    ).json()
    assert only["total"]["notes"] == 2
    listed = api.client.get("/v1/walks", headers=api.headers("analyst")).json()["walks"]
    assert [w["id"] for w in listed] == [walk["id"]]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bcu": "Mars"}, "bcu: is not a BCU"),
        ({"borough": "Hackney"}, "borough: is not in that BCU"),
        ({"ends_at": "2026-11-20T18:00:00Z"}, "ends_at must be after starts_at"),
        ({"officers": ["Sgt Hale"]}, "collar numbers"),
        ({"route": ["outside Jo Bloggs' flat, 07700 900123"]}, "route.0: looks like it holds"),
        ({"participants": -1}, "participants"),
        ({"participant_names": ["Ann"]}, "is not a known field"),
    ],
)
def test_bad_walks_are_refused_with_a_reason(
    api: Api, changes: dict[str, Any], message: str
) -> None:
    answer = _walk(api, **changes)
    assert answer.status_code == 422
    assert message in answer.text
    assert "Bloggs" not in answer.text


def test_a_note_for_an_unrecorded_walk_is_refused(api: Api) -> None:
    notes = [{"text": "Dark path", "walk": 999}]
    answer = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert answer.status_code == 422
    assert "notes.0.walk: is not a recorded walk" in answer.json()["detail"]


def test_who_may_record_and_read_walks(api: Api) -> None:
    assert _walk(api).status_code == 201
    refused = api.client.post("/v1/walks", json=WALK, headers=api.headers("reader"))
    assert refused.status_code == 403
    assert api.client.get("/v1/walks", headers=api.headers("tagger")).status_code == 403
    assert api.client.get("/v1/walks", headers=api.headers("reader")).status_code == 200
