"""Model evidence where a person reads a note: /v1/classify, a note opened, the review queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.classify.routes import MAX_MODEL
from api.db.tables import Prediction
from tests.api.conftest import Api

NOTE = "A man kept shouting at me outside the chip shop and the street lamps were out"


def classify(api: Api, texts: list[str], **params: str) -> Any:
    return api.client.post(
        "/v1/classify", json={"texts": texts}, params=params, headers=api.headers("tagger")
    )


def test_model_evidence_on_request_and_cue_evidence_by_default(api: Api) -> None:
    (one,) = classify(api, [NOTE], evidence="model").json()["results"]
    assert one["evidence_source"] == "model"
    assert set(one["evidence"]) == set(one["themes"])
    assert all(one["evidence"].values())
    bulk = classify(api, [NOTE] * 20).json()["results"]
    assert {r["evidence_source"] for r in bulk} == {"cues"}
    asked = classify(api, [NOTE] * 20, evidence="model").json()["results"]
    assert {r["evidence_source"] for r in asked} == {"model"}
    assert [r["scores"] for r in asked] == [r["scores"] for r in bulk]  # evidence never scores


def test_model_evidence_for_too_many_texts_is_refused_with_a_reason(api: Api) -> None:
    response = classify(api, ["dark path"] * (MAX_MODEL + 1), evidence="model")
    assert response.status_code == 422
    assert "evidence=cues" in response.json()["detail"]
    assert classify(api, ["dark path"], evidence="oracle").status_code == 422


def test_opening_a_note_replaces_cue_evidence_with_the_models_and_keeps_it(api: Api) -> None:
    posted = api.client.post(
        "/v1/notes",
        json={"notes": [{"text": NOTE, "source": "participant"}]},
        headers=api.headers("tagger"),
    )
    note_id = posted.json()["notes"][0]["id"]
    with api.session() as session:
        assert session.scalars(select(Prediction.evidence_source)).one() == "cues"
    first = api.client.get(f"/v1/notes/{note_id}", headers=api.headers("reader")).json()
    assert first["prediction"]["evidence_source"] == "model"
    assert all(first["prediction"]["evidence"][t] for t in first["prediction"]["themes"])
    with api.session() as session:
        row = session.scalars(select(Prediction)).one()
        assert row.evidence_source == "model"
        assert row.evidence == {
            k: [list(s) for s in v] for k, v in first["prediction"]["evidence"].items()
        }
    again = api.client.get(f"/v1/notes/{note_id}", headers=api.headers("reader")).json()
    assert again["prediction"] == first["prediction"]


def test_the_review_queue_shows_the_models_evidence(api: Api) -> None:
    api.client.post(
        "/v1/notes",
        json={"notes": [{"text": NOTE, "source": "officer"}]},
        headers=api.headers("tagger"),
    )
    items = api.client.get("/v1/review/queue", headers=api.headers("reviewer")).json()["items"]
    assert items
    assert {i["prediction"]["evidence_source"] for i in items} == {"model"}
