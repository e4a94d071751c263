"""Ingest, read and list notes; idempotency; bad input leaves the store unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from api.db.tables import Idempotency, Note, NoteTheme, Prediction
from tests.api.conftest import Api

NOTES = [
    {
        "external_id": "a1",
        "text": "Pitch black path by the canal, nobody ever around",
        "source": "participant",
        "borough": "Camden",
        "created_at": "2026-03-01T21:00:00Z",
        "location": "Regent's Canal",
        "walk_id": "w1",
    },
    {
        "external_id": "a2",
        "text": "Men at the bus stop shout at girls going past",
        "source": "officer",
        "bcu": "West",
        "created_at": "2026-03-09T22:30:00+01:00",
    },
    {"text": "Thank you, lovely walk and great officers", "source": "participant"},
]


def ingest(api: Api, notes: list[dict[str, Any]], role: str = "tagger", **headers: str) -> Any:
    return api.client.post(
        "/v1/notes", json={"notes": notes}, headers={**api.headers(role), **headers}
    )


def store_sizes(api: Api) -> tuple[int, int, int, int]:
    return api.rows(Note), api.rows(Prediction), api.rows(NoteTheme), api.rows(Idempotency)


def test_ingest_classifies_and_stores_in_input_order(api: Api) -> None:
    response = ingest(api, NOTES)
    assert response.status_code == 201
    results = response.json()["notes"]
    assert [r["external_id"] for r in results] == ["a1", "a2", None]
    assert all(r["created"] for r in results)
    assert results[0]["themes"] == ["isolation", "lighting"]
    assert results[1]["themes"] == ["harassment", "transport"]
    assert results[2]["themes"] == []
    assert results[0]["model"] == "seed-linear"
    assert store_sizes(api)[:3] == (3, 3, 4)


def test_stored_note_reads_back_with_areas_and_utc_time(api: Api) -> None:
    first, second, _ = ingest(api, NOTES).json()["notes"]
    note = api.client.get(f"/v1/notes/{first['id']}", headers=api.headers("reader")).json()
    assert note["bcu"] == "Central North"  # filled from the borough
    assert note["created_at"] == "2026-03-01T21:00:00Z"
    assert note["labels_from"] == "prediction"
    assert first["evidence"]["lighting"] == [[0, 11]]  # ingest: the cue "Pitch black"
    assert note["prediction"]["evidence_source"] == "model"  # read: the model's own spans
    assert any(s <= 6 and e >= 11 for s, e in note["prediction"]["evidence"]["lighting"])
    other = api.client.get(f"/v1/notes/{second['id']}", headers=api.headers("reader")).json()
    assert other["created_at"] == "2026-03-09T21:30:00Z"  # +01:00 stored as UTC


def test_same_external_id_is_never_stored_twice(api: Api) -> None:
    first = ingest(api, NOTES[:1]).json()["notes"][0]
    again = ingest(api, [NOTES[0], {**NOTES[1], "external_id": "new"}])
    assert again.status_code == 201
    repeat, fresh = again.json()["notes"]
    assert repeat["created"] is False
    assert repeat["id"] == first["id"]
    assert fresh["created"] is True
    only_old = ingest(api, NOTES[:1])
    assert only_old.status_code == 200
    assert api.rows(Note) == 2


def test_external_ids_are_per_client(api: Api) -> None:
    ingest(api, NOTES[:1], role="tagger")
    other = ingest(api, NOTES[:1], role="admin").json()["notes"][0]
    assert other["created"] is True
    assert api.rows(Note) == 2


def test_idempotency_key_replays_the_first_answer(api: Api) -> None:
    notes = [{"text": "Dark alley behind the shops"}]  # no external id: only the key protects it
    first = ingest(api, notes, **{"Idempotency-Key": "batch-7"})
    second = ingest(api, notes, **{"Idempotency-Key": "batch-7"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert api.rows(Note) == 1


def test_idempotency_key_with_another_body_is_a_conflict(api: Api) -> None:
    ingest(api, [{"text": "Dark alley"}], **{"Idempotency-Key": "k"})
    before = store_sizes(api)
    response = ingest(api, [{"text": "Another note"}], **{"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]
    assert store_sizes(api) == before


BAD_BODIES: list[tuple[Any, int, str]] = [
    ({"notes": []}, 422, "notes: List should have at least 1 item"),
    ({"notes": [{"text": ""}]}, 422, "notes.0.text: the text is empty"),
    ({"notes": [{"text": "   \n"}]}, 422, "notes.0.text: the text is empty"),
    (
        {"notes": [{"text": "x" * 10_001}]},
        422,
        "notes.0.text: String should have at most 10000 characters",
    ),
    ({"notes": [{"text": 42}]}, 422, "notes.0.text: Input should be a valid string"),
    (
        {"notes": [{"text": "ok", "source": "victim"}]},
        422,
        "notes.0.source: Input should be 'officer' or 'participant'",
    ),
    (
        {"notes": [{"text": "ok", "borough": "Gotham"}]},
        422,
        "notes.0.borough: is not a London borough",
    ),
    ({"notes": [{"text": "ok", "bcu": "Mars"}]}, 422, "notes.0.bcu: is not a BCU"),
    (
        {"notes": [{"text": "ok", "borough": "Camden", "bcu": "West"}]},
        422,
        "notes.0.bcu: Camden is in Central North, not West",
    ),
    (
        {"notes": [{"text": "ok", "created_at": "yesterday"}]},
        422,
        "notes.0.created_at: Input should be a valid datetime",
    ),
    (
        {"notes": [{"text": "ok", "created_at": "2999-01-01T00:00:00"}]},
        422,
        "notes.0.created_at: is in the future",
    ),
    (
        {"notes": [{"text": "ok", "themes": ["lighting"]}]},
        422,
        "notes.0.themes: is not a known field",
    ),
    (
        {"notes": [{"text": "a", "external_id": "d"}, {"text": "b", "external_id": "d"}]},
        422,
        "notes.1.external_id: repeats notes.0.external_id",
    ),
    ({"notes": [{"text": "ok"}] * 1001}, 422, "notes: List should have at most 1000 items"),
    ({"note": [{"text": "ok"}]}, 422, "notes: Field required"),
    ([{"text": "ok"}], 422, "Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES)
def test_bad_input_is_refused_and_nothing_is_stored(
    api: Api, body: Any, status: int, message: str
) -> None:
    ingest(api, NOTES[:1])
    before = store_sizes(api)
    response = api.client.post("/v1/notes", json=body, headers=api.headers("tagger"))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]
    assert store_sizes(api) == before


def test_malformed_json_and_wrong_encoding(api: Api) -> None:
    for raw in [b'{"notes": [', b'{"notes": [{"text": "caf\xe9"}]}']:
        response = api.client.post(
            "/v1/notes",
            content=raw,
            headers={**api.headers("tagger"), "content-type": "application/json"},
        )
        assert response.status_code in (400, 422)
        assert response.json()["title"] in ("Malformed JSON", "Invalid request")
    assert api.rows(Note) == 0


def test_ids_holding_personal_data_are_refused_each_by_its_field(api: Api) -> None:
    before = store_sizes(api)
    notes = [
        {"text": "Dark path by the canal", "external_id": "case-1044", "walk_id": "walk-7"},
        {"text": "Lamps out on the bridge", "external_id": "Call Jo on 07700 900123"},
        {
            "text": "Man shouted at me",
            "external_id": "case-1046",
            "walk_id": "jo.bloggs@example.org",
        },
    ]
    refused = ingest(api, notes)
    assert refused.status_code == 422
    fields = [error["field"] for error in refused.json()["errors"]]
    assert fields == ["notes.1.external_id", "notes.2.walk_id"]
    assert "opaque reference" in refused.json()["detail"]
    assert "07700" not in refused.text
    assert "bloggs" not in refused.text
    assert store_sizes(api) == before


def test_unknown_note_is_404(api: Api) -> None:
    response = api.client.get("/v1/notes/999", headers=api.headers("reader"))
    assert response.status_code == 404
    assert response.json()["detail"] == "No note with id 999."


def test_list_filters_and_cursor_pagination(api: Api) -> None:
    notes = [
        {
            "text": f"Street lamps out again on road number {i}",
            "source": "officer" if i % 2 else "participant",
            "borough": "Hackney",
        }
        for i in range(7)
    ]
    ingest(api, notes)
    reader = api.headers("reader")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.client.get("/v1/notes", params=params, headers=reader).json()
        seen += [n["id"] for n in page["notes"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 7
    officer = api.client.get("/v1/notes", params={"source": "officer"}, headers=reader).json()[
        "notes"
    ]
    assert {n["source"] for n in officer} == {"officer"}
    assert len(officer) == 3
    lit = api.client.get("/v1/notes", params={"theme": "lighting"}, headers=reader).json()["notes"]
    assert all("lighting" in n["themes"] for n in lit)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"theme": "litter"}, "theme: is not a theme"),
        ({"cursor": "garbage!"}, "cursor: is not a cursor"),
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"from": "soon"}, "from: Input should be a valid datetime"),
    ],
)
def test_bad_list_parameters(api: Api, params: dict[str, Any], message: str) -> None:
    response = api.client.get("/v1/notes", params=params, headers=api.headers("reader"))
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_ingest_stores_redacted_text_and_pii_types_only(api: Api) -> None:
    text = "Pt Aisha Rahman (07700 900431) says the lamp outside Seven Sisters stn is out"
    stored = ingest(api, [{"text": text, "external_id": "pii-1"}]).json()["notes"][0]
    assert stored["text"] == "Pt [PERSON] ([PHONE]) says the lamp outside Seven Sisters stn is out"
    assert stored["pii_types"] == ["PERSON", "PHONE"]
    assert "lighting" in stored["themes"]
    for start, end in stored["evidence"]["lighting"]:  # evidence points into the stored text
        assert stored["text"][start:end].lower() in {"lamp", "is out"}
    note = api.client.get(f"/v1/notes/{stored['id']}", headers=api.headers("reader")).json()
    assert note["text"] == stored["text"]
    with api.session() as session:
        row = session.get(Note, stored["id"])
        assert row is not None
        assert row.original_text is None
        assert "Aisha" not in row.text


def test_area_is_inferred_from_places_in_the_text(api: Api) -> None:
    notes = [
        {
            "text": "Walked from Seven Sisters stn along the dark path, nobody about",
            "external_id": "p1",
        },
        {"text": "Seven Sisters stn exit is dark", "external_id": "p2", "borough": "Camden"},
        {"text": "Lovely walk, thanks", "external_id": "p3"},
    ]
    inferred, given, none = ingest(api, notes).json()["notes"]
    assert (inferred["borough"], inferred["bcu"], inferred["area_inferred"]) == (
        "Haringey",
        "North",
        True,
    )
    place = inferred["places"][0]
    assert (place["name"], place["borough"]) == ("Seven Sisters", "Haringey")
    assert inferred["text"][place["start"] : place["end"]] == "Seven Sisters"
    assert (given["borough"], given["area_inferred"]) == ("Camden", False)
    assert (none["borough"], none["bcu"], none["area_inferred"], none["places"]) == (
        None,
        None,
        False,
        [],
    )
    rows = api.client.get(
        "/v1/counts", params={"group_by": "bcu"}, headers=api.headers("reader")
    ).json()["rows"]
    assert "North" in {row["bcu"] for row in rows}


def test_stored_text_is_normalised_and_blank_after_normalising_is_refused(api: Api) -> None:
    stored = ingest(api, [{"text": "  Dark\u00a0path,\t no  lights \u200b"}]).json()["notes"][0]
    assert stored["text"] == "Dark path, no lights"
    before = api.rows(Note)
    refused = ingest(api, [{"text": "\u200b\u200b \u00a0"}])
    assert refused.status_code == 422
    assert "the text is empty" in refused.json()["detail"]
    assert api.rows(Note) == before


def test_a_batch_holding_too_much_text_is_refused_and_stores_nothing(api: Api) -> None:
    response = ingest(api, [{"text": "the lamp is out " * 600}] * 110)
    assert response.status_code == 422
    assert "send them in several requests" in response.json()["detail"]
    assert store_sizes(api) == (0, 0, 0, 0)
