from __future__ import annotations

from typing import Any

import pytest

from api.db.tables import Note
from tests.api.conftest import Api


def classify(api: Api, body: Any) -> Any:
    return api.client.post("/v1/classify", json=body, headers=api.headers("tagger"))


def test_many_texts_answer_in_order_and_store_nothing(api: Api) -> None:
    texts = ["A man followed me off the N29 bus", "Lovely walk", "No lights at all in the park"]
    results = classify(api, {"texts": texts}).json()["results"]
    assert [r["themes"] for r in results] == [["harassment", "transport"], [], ["lighting"]]
    assert {r["model"] for r in results} == {"seed-linear"}
    assert results[0]["evidence"]["transport"]
    assert api.rows(Note) == 0


def test_batch_and_single_agree(api: Api) -> None:
    texts = ["Dark alley by the station", "Nobody around on the towpath", "He kept staring at me"]
    batch = classify(api, {"texts": texts}).json()["results"]
    single = [classify(api, {"texts": [t]}).json()["results"][0] for t in texts]
    assert batch == single


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"texts": []}, "texts: List should have at least 1 item"),
        ({"texts": ["ok", " "]}, "texts[1] is empty"),
        ({"texts": ["x" * 10_001]}, "texts[0] has 10001 characters; the limit is 10000"),
        ({"texts": ["ok"] * 1001}, "texts: List should have at most 1000 items"),
        ({"texts": "just one"}, "texts: Input should be a valid list"),
        ({"texts": [1, 2]}, "texts.0: Input should be a valid string"),
        ({"text": "one"}, "texts: Field required"),
    ],
)
def test_bad_classify_bodies(api: Api, body: Any, message: str) -> None:
    response = classify(api, body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_a_request_holding_too_much_text_is_refused_with_a_reason(api: Api) -> None:
    response = classify(api, {"texts": ["a dark path " * 800] * 110})
    assert response.status_code == 422
    assert "send them in several requests" in response.json()["detail"]
