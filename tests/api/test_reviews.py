"""The review queue, corrections, history and agreement statistics, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.auth.keys import create_key
from api.db.tables import Note, Review, ReviewLease
from api.reviews import queue
from api.reviews.service import record_review
from tests.api.conftest import Api
from tests.factories import NOTE_TEXTS, THEMES

TEXTS = NOTE_TEXTS


@pytest.fixture
def stocked(api: Api) -> Api:
    notes = [{"text": t, "source": "participant", "borough": "Camden"} for t in TEXTS]
    response = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert response.status_code == 201
    return api


def add_key(api: Api, name: str, role: str) -> dict[str, str]:
    with api.session() as session, session.begin():
        secret = create_key(session, name=name, role=role)[1]
    return {"Authorization": f"Bearer {secret}"}


def take(api: Api, headers: dict[str, str], limit: int = 3) -> dict[str, Any]:
    response = api.client.get(f"/v1/review/queue?limit={limit}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def label(api: Api, note_id: int, themes: list[str], headers: dict[str, str]) -> Any:
    return api.client.put(f"/v1/notes/{note_id}/labels", json={"themes": themes}, headers=headers)


def theme_total(api: Api, theme: str) -> int:
    rows = api.client.get("/v1/counts", headers=api.headers("reader")).json()["rows"]
    return next((r["count"] for r in rows if r["theme"] == theme), 0)


def test_queue_orders_by_priority_and_explains_why(stocked: Api) -> None:
    body = take(stocked, stocked.headers("reviewer"), limit=8)
    assert body["remaining"] == len(TEXTS)
    assert len(body["items"]) == len(TEXTS)
    with stocked.session() as session:
        priority = {n.id: n.review_priority for n in session.scalars(select(Note))}
    order = [priority[item["id"]] for item in body["items"]]
    assert order == sorted(order, reverse=True)
    assert len(set(order)) > 1, "priorities should differ between notes"
    first = body["items"][0]
    assert "threshold" in first["reason"]
    assert first["prediction"]["model"] == "seed-linear"
    assert set(first["prediction"]["scores"]) == set(THEMES)


def test_two_reviewers_never_get_the_same_note(stocked: Api) -> None:
    other = add_key(stocked, "second-reviewer", "reviewer")
    mine = {item["id"] for item in take(stocked, stocked.headers("reviewer"))["items"]}
    theirs = {item["id"] for item in take(stocked, other)["items"]}
    assert len(mine) == len(theirs) == 3
    assert not mine & theirs
    again = {item["id"] for item in take(stocked, stocked.headers("reviewer"))["items"]}
    assert again == mine, "asking again returns the notes already held"


def test_concurrent_reviewers_get_disjoint_notes(stocked: Api) -> None:
    keys = [add_key(stocked, f"parallel-{i}", "reviewer") for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda h: take(stocked, h, limit=2)["items"], keys))
    handed = [item["id"] for batch in batches for item in batch]
    assert len(handed) == len(set(handed)) == 8


def test_expired_lease_frees_the_note(stocked: Api) -> None:
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
    with stocked.session() as session:
        alice = queue.Reviewer("alice", reviews=True, adjudicates=False)
        held = queue.lease_next(session, alice, limit=8, lease_seconds=60, now=past)
    assert len(held) == len(TEXTS)
    body = take(stocked, stocked.headers("reviewer"), limit=8)
    assert len(body["items"]) == len(TEXTS)


def test_skip_gives_the_note_back(stocked: Api) -> None:
    other = add_key(stocked, "second-reviewer", "reviewer")
    items = take(stocked, stocked.headers("reviewer"), limit=8)["items"]
    assert take(stocked, other)["items"] == []
    skipped = items[0]["id"]
    response = stocked.client.delete(
        f"/v1/review/queue/{skipped}", headers=stocked.headers("reviewer")
    )
    assert response.status_code == 204
    assert [i["id"] for i in take(stocked, other)["items"]] == [skipped]
    again = stocked.client.delete(
        f"/v1/review/queue/{skipped}", headers=stocked.headers("reviewer")
    )
    assert again.status_code == 404


def test_correction_switches_counts_and_is_audited(stocked: Api) -> None:
    item = take(stocked, stocked.headers("reviewer"), limit=1)["items"][0]
    before_total = theme_total(stocked, "lighting")
    had_lighting = "lighting" in item["themes"]
    new = (
        [t for t in item["themes"] if t != "lighting"]
        if had_lighting
        else [*item["themes"], "lighting"]
    )
    response = stocked.client.put(
        f"/v1/notes/{item['id']}/labels",
        json={"themes": new, "comment": "checked the lamp"},
        headers=stocked.headers("reviewer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reviewed"
    assert body["review"]["reviewer"] == "reviewer-client"
    assert body["review"]["themes_before"] == item["themes"]
    assert body["review"]["predicted_themes"] == item["prediction"]["themes"]
    assert theme_total(stocked, "lighting") == before_total + (-1 if had_lighting else 1)
    history = stocked.client.get(
        f"/v1/notes/{item['id']}/history", headers=stocked.headers("reader")
    ).json()
    assert [r["comment"] for r in history["reviews"]] == ["checked the lamp"]
    assert history["predictions"][0]["current"] is True
    assert history["themes"] == sorted(new)
    left = take(stocked, stocked.headers("reviewer"), limit=1)["remaining"]
    assert left == len(TEXTS) - 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"themes": ["litter"]}, "themes: give each of"),
        ({"themes": ["lighting", "lighting"]}, "at most once"),
        ({"themes": "lighting"}, "themes"),
        ({"themes": [], "extra": 1}, "extra"),
        ({}, "themes"),
    ],
)
def test_bad_labels_change_nothing(stocked: Api, body: dict[str, Any], message: str) -> None:
    note_id = take(stocked, stocked.headers("reviewer"), limit=1)["items"][0]["id"]
    response = stocked.client.put(
        f"/v1/notes/{note_id}/labels", json=body, headers=stocked.headers("reviewer")
    )
    assert response.status_code == 422
    assert message in response.text
    assert stocked.rows(Review) == 0


def test_labels_need_a_reviewing_role(stocked: Api) -> None:
    note_id = take(stocked, stocked.headers("reviewer"), limit=1)["items"][0]["id"]
    assert label(stocked, note_id, [], {}).status_code == 401
    for role in ("tagger", "reader"):
        assert label(stocked, note_id, [], stocked.headers(role)).status_code == 403
        assert (
            stocked.client.get("/v1/review/queue", headers=stocked.headers(role)).status_code == 403
        )
    assert label(stocked, 10_000, [], stocked.headers("admin")).status_code == 404
    other = add_key(stocked, "second-reviewer", "reviewer")
    held = label(stocked, note_id, [], other)
    assert held.status_code == 409
    assert "someone else" in held.json()["detail"]


def test_disagreeing_second_review_goes_to_an_adjudicator(stocked: Api) -> None:
    note_id = take(stocked, stocked.headers("reviewer"), limit=1)["items"][0]["id"]
    with stocked.session() as session, session.begin():
        first = record_review(
            session,
            note_id=note_id,
            reviewer="reviewer-client",
            themes=["lighting"],
            known_themes=THEMES,
            second_review_rate=1.0,
        )
    assert first.status == "awaiting_second"
    assert note_id not in {i["id"] for i in take(stocked, stocked.headers("reviewer"), 8)["items"]}
    second = add_key(stocked, "second-reviewer", "reviewer")
    assert note_id in {i["id"] for i in take(stocked, second, limit=8)["items"]}
    disputed = label(stocked, note_id, ["isolation"], second)
    assert disputed.json()["status"] == "disputed"
    refused = label(stocked, note_id, ["lighting"], stocked.headers("reviewer"))
    assert refused.status_code == 403
    queued = take(stocked, stocked.headers("analyst"), limit=5)["items"]
    assert [i["id"] for i in queued] == [note_id]
    assert queued[0]["reason"].startswith("two reviewers disagree")
    settled = label(stocked, note_id, ["isolation", "lighting"], stocked.headers("analyst"))
    assert settled.json()["status"] == "adjudicated"
    assert settled.json()["review"]["kind"] == "adjudication"
    history = stocked.client.get(
        f"/v1/notes/{note_id}/history", headers=stocked.headers("analyst")
    ).json()
    assert [r["reviewer"] for r in history["reviews"]] == [
        "reviewer-client",
        "second-reviewer",
        "analyst-client",
    ]
    assert history["themes"] == ["isolation", "lighting"]


def test_review_stats_give_kappa_per_theme(stocked: Api) -> None:
    items = take(stocked, stocked.headers("reviewer"), limit=8)["items"]
    with stocked.session() as session, session.begin():
        session.execute(ReviewLease.__table__.delete())
        for item in items:
            for name in ("ann", "bea"):
                record_review(
                    session,
                    note_id=item["id"],
                    reviewer=queue.Reviewer(name, reviews=True, adjudicates=False),
                    themes=item["prediction"]["themes"],
                    known_themes=THEMES,
                    second_review_rate=1.0,
                )
    stats = stocked.client.get("/v1/review/stats", headers=stocked.headers("analyst")).json()
    assert stats["reviews"] == 2 * len(items)
    assert stats["by_status"] == {"agreed": len(items)}
    between = stats["between_reviewers"]
    assert between["notes"] == len(items)
    for theme, figures in between["per_theme"].items():
        assert figures["agreement"] == 1.0, theme
        assert figures["kappa"] in (1.0, None)
    assert stats["reviewer_vs_model"]["notes"] == 2 * len(items)
    forbidden = stocked.client.get("/v1/review/stats", headers=stocked.headers("tagger"))
    assert forbidden.status_code == 403


def test_me_says_who_and_what(api: Api) -> None:
    body = api.client.get("/v1/me", headers=api.headers("reviewer")).json()
    assert body["role"] == "reviewer"
    assert "review" in body["permissions"]
    assert "read_counts" not in body["permissions"]
    assert api.client.get("/v1/me").status_code == 401


def test_comments_are_redacted_like_notes(stocked: Api) -> None:
    note_id = take(stocked, stocked.headers("reviewer"), limit=1)["items"][0]["id"]
    comment = "Spoke to Sarah Jones, call her on 07700 900123 about the lamp"
    response = stocked.client.put(
        f"/v1/notes/{note_id}/labels",
        json={"themes": ["lighting"], "comment": comment},
        headers=stocked.headers("reviewer"),
    )
    assert response.status_code == 200, response.text
    stored = response.json()["review"]["comment"]
    assert "07700" not in stored
    assert "Sarah" not in stored
    assert "[PHONE]" in stored
    assert "[PERSON]" in stored
