"""Requests racing each other under a real uvicorn server, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.db.tables import Note
from tests.api.conftest import LiveApi

CLIENTS = 8
ROUNDS = 20  # the race is repeated: one lucky ordering proves little


def _notes(engine: Engine) -> int:
    with Session(engine) as session:
        return session.query(Note).count()


@pytest.mark.parametrize("with_external_ids", [False, True])
def test_one_idempotency_key_sent_at_once_stores_once_and_replays_to_everyone(
    live_api: LiveApi, with_external_ids: bool
) -> None:
    base, key, engine = live_api.base, live_api.tagger_key, live_api.engine
    for round_ in range(ROUNDS):
        notes = [
            {"text": f"Round {round_}: the towpath lamps are out"},
            {"text": f"Round {round_}: a man followed me from the bus stop"},
        ]
        if with_external_ids:
            for i, note in enumerate(notes):
                note["external_id"] = f"race-{round_}-{i}"
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"race-{round_}"}

        def post(
            _: int, notes: list[dict[str, str]] = notes, headers: dict[str, str] = headers
        ) -> httpx.Response:
            return httpx.post(
                f"{base}/v1/notes", json={"notes": notes}, headers=headers, timeout=60
            )

        with ThreadPoolExecutor(CLIENTS) as pool:
            responses = list(pool.map(post, range(CLIENTS)))
        statuses = sorted(r.status_code for r in responses)
        assert all(s in (201, 409) for s in statuses), statuses
        answered = [r.json() for r in responses if r.status_code == 201]
        assert answered
        assert all(a == answered[0] for a in answered)  # every winner's answer is the one stored
        for refused in (r for r in responses if r.status_code == 409):
            assert refused.headers["retry-after"] == "1"
        assert _notes(engine) == 2 * (round_ + 1)


THEME_CHOICES = [
    [],
    ["lighting"],
    ["harassment"],
    ["isolation", "lighting"],
    ["transport"],
    ["harassment", "transport"],
    ["isolation"],
    ["harassment", "isolation", "lighting", "transport"],
]


def test_reviewers_saving_one_note_at_once_leave_the_last_review_and_exact_counts(
    live_api: LiveApi,
) -> None:
    from api.auth.keys import create_key
    from api.counts import cells

    base, engine = live_api.base, live_api.engine
    with Session(engine) as session, session.begin():
        reviewers = [
            create_key(session, name=f"rev-{i}", role="reviewer")[1] for i in range(CLIENTS)
        ]
    tagger = {"Authorization": f"Bearer {live_api.tagger_key}"}
    notes = [{"text": f"Note {i}: lamps out by the bus stop, nobody about"} for i in range(6)]
    stored = httpx.post(f"{base}/v1/notes", json={"notes": notes}, headers=tagger, timeout=60)
    ids = [n["id"] for n in stored.json()["notes"]]
    jobs = [(note_id, i) for _ in range(ROUNDS // 5) for note_id in ids for i in range(CLIENTS)]

    def save(job: tuple[int, int]) -> int:
        note_id, i = job
        response = httpx.put(
            f"{base}/v1/notes/{note_id}/labels",
            json={"themes": THEME_CHOICES[i]},
            headers={"Authorization": f"Bearer {reviewers[i]}"},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(save, jobs))
    assert set(statuses) == {200}
    reader = {"Authorization": f"Bearer {reviewers[0]}"}
    for note_id in ids:
        history = httpx.get(f"{base}/v1/notes/{note_id}/history", headers=reader).json()
        last = history["reviews"][-1]
        note = httpx.get(f"{base}/v1/notes/{note_id}", headers=reader).json()
        assert note["themes"] == sorted(last["themes"])
        for before, after in zip(history["reviews"], history["reviews"][1:], strict=False):
            assert after["themes_before"] == sorted(before["themes"])  # no save read a stale note
    with Session(engine) as session, session.begin():
        kept = cells.snapshot(session)
        cells.rebuild(session)
        assert cells.snapshot(session) == kept
        session.rollback()
