"""Bulk classification as a job: upload JSON lines, wait, read the results in order.

Runs on SQLite and PostgreSQL, with the jobs in a thread of the app (the
embedded default); tests/api/test_replicas.py runs jobs on a worker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.db.tables import ClassifyItem, Job
from nlp.redact import Redactor
from tests.api.conftest import Api, own_app
from tests.factories import NOTE_TEXTS

PATH = "/v1/classify/jobs"
NAMED = "Call Sarah Jones on 07700 900123 about the dark alley by the flats"


def lines(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def notes(count: int) -> list[dict[str, Any]]:
    texts = [*NOTE_TEXTS, NAMED]
    return [{"id": f"n{i}", "text": f"{texts[i % len(texts)]}  "} for i in range(count)]


def upload(api: Api, body: bytes, role: str = "tagger", **params: str) -> Any:
    return api.client.post(
        PATH,
        content=iter([body[i : i + 4096] for i in range(0, len(body), 4096)]),
        params=params,
        headers={**api.headers(role), "Content-Type": "application/x-ndjson"},
    )


def finished(api: Api, job_id: int, role: str = "tagger", timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = api.client.get(f"{PATH}/{job_id}", headers=api.headers(role)).json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_an_upload_is_classified_as_classify_would_and_returned_in_order(api: Api) -> None:
    sent = notes(2500)
    started = upload(api, lines(sent))
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["params"]["notes"] == 2500
    assert job["params"]["bad_lines"] == 0
    got = api.client.get(f"{PATH}/{job['id']}/results", headers=api.headers("tagger"))
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/x-ndjson")
    results = [json.loads(line) for line in got.text.splitlines()]
    assert [r["id"] for r in results] == [n["id"] for n in sent]
    assert [r["line"] for r in results] == list(range(1, 2501))
    one = api.client.post(
        "/v1/classify", json={"texts": [n["text"] for n in sent[:9]]}, headers=api.headers("tagger")
    ).json()["results"]
    for bulk, single in zip(results[:9], one, strict=True):
        assert (bulk["text"], bulk["themes"], bulk["scores"]) == (
            single["text"],
            single["themes"],
            single["scores"],
        )
        assert bulk["model"] == single["model"]
    assert "Sarah" not in got.text
    assert "07700" not in got.text
    with api.session() as session:  # texts are cleared once classified
        assert (
            session.scalar(
                select(func.count()).select_from(ClassifyItem).where(ClassifyItem.text.is_not(None))
            )
            == 0
        )


BAD = [
    {"id": "a", "text": "Street lamps broken all along the high road"},
    {"id": "b", "text": "   "},
    "not an object",
    {"id": "a", "text": "the same id again"},
    {"text": "no id"},
    {"id": "c", "text": "x" * 10_001},
    {"id": "d", "text": "Lads on bikes shout at girls outside the chicken shop"},
]


def test_bad_lines_refuse_the_upload_by_default_and_nothing_is_kept(api: Api) -> None:
    refused = upload(api, lines(BAD))
    assert refused.status_code == 422
    assert "line 2: needs a non-empty 'text' string" in refused.json()["detail"]
    assert api.rows(Job) == 0
    assert api.rows(ClassifyItem) == 0


def test_skip_classifies_the_good_lines_and_lists_the_bad_by_number(api: Api) -> None:
    body = lines(BAD) + b'{"id": "e", "text": "caf\xe9 closed"}\n'
    started = upload(api, body, on_error="skip")
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    problems = {p["line"]: p["error"] for p in job["params"]["problems"]}
    assert sorted(problems) == [2, 3, 4, 5, 6, 8]
    assert "already used" in problems[4]
    assert "10000" in problems[6]
    assert "UTF-8" in problems[8]
    got = api.client.get(f"{PATH}/{job['id']}/results", headers=api.headers("tagger"))
    assert [json.loads(x)["id"] for x in got.text.splitlines()] == ["a", "d"]


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty"), (b"\n\n", "holds no notes"), (b'{"id": 1}\n', "line 1")],
)
def test_empty_and_useless_uploads_are_refused(api: Api, body: bytes, message: str) -> None:
    refused = upload(api, body)
    assert refused.status_code == 422
    assert message in refused.json()["detail"]


def test_only_the_client_that_sent_it_or_an_admin_reads_a_job(api: Api) -> None:
    job_id = upload(api, lines(notes(3))).json()["id"]
    finished(api, job_id)
    assert api.client.get(f"{PATH}/{job_id}", headers=api.headers("admin")).status_code == 200
    assert (
        api.client.get(f"{PATH}/{job_id}/results", headers=api.headers("reader")).status_code == 403
    )
    assert api.client.get(f"{PATH}/999999", headers=api.headers("tagger")).status_code == 404


@pytest.fixture
def short_lived(
    model_home: Path, database_url: str, tmp_path: Path, shared_redactor: Redactor
) -> Iterator[Api]:
    with own_app(
        model_home,
        database_url,
        tmp_path,
        shared_redactor,
        classify_results_hours=0.0003,  # about a second
        max_upload_bytes=20_000,
    ) as api:
        yield api


def test_results_expire_and_big_uploads_are_refused(short_lived: Api) -> None:
    api = short_lived
    job_id = upload(api, lines(notes(5))).json()["id"]
    assert finished(api, job_id)["status"] == "succeeded"
    time.sleep(1.5)
    gone = api.client.get(f"{PATH}/{job_id}/results", headers=api.headers("tagger"))
    assert gone.status_code == 410
    assert api.rows(ClassifyItem) == 0
    too_big = upload(api, lines(notes(400)))
    assert too_big.status_code == 413
    assert "20000 bytes" in too_big.json()["detail"]


def test_an_id_repeated_far_apart_is_found_by_the_database(api: Api) -> None:
    sent = notes(1600)
    sent[1499]["id"] = "n3"  # repeats line 4, in a later batch of stored lines
    refused = upload(api, lines(sent))
    assert refused.status_code == 422
    assert "line 1500: id 'n3' was already used by an earlier line" in refused.json()["detail"]
    assert api.rows(ClassifyItem) == 0


def test_a_job_cut_short_resumes_from_the_first_line_without_a_result(api: Api) -> None:
    """What a crash leaves (some batches written, the rest not) is finished by a rerun,
    which classifies only the rest, in order, as the first run did."""
    from api.classify.bulk import classify_work
    from api.jobs.context import JobContext

    sent = notes(700)
    job = finished(api, upload(api, lines(sent)).json()["id"])
    assert job["status"] == "succeeded", job
    state = api.client.app.state  # type: ignore[attr-defined]
    with api.session() as session, session.begin():
        items = session.scalars(
            select(ClassifyItem).where(ClassifyItem.job_id == job["id"], ClassifyItem.line > 300)
        ).all()
        first = {item.line: item.result for item in items}
        for item in items:  # as if the run had stopped after line 300
            item.text, item.result = sent[item.line - 1]["text"], None
    predictor = state.model.current()
    work = classify_work(
        sessions=state.sessions, predictor=predictor, redactor=state.redactor, job_id=job["id"]
    )
    assert work(JobContext(state.sessions, job["id"])) == {
        "version": predictor.version,
        "notes": 700,
    }
    with api.session() as session:
        again = dict(
            session.execute(
                select(ClassifyItem.line, ClassifyItem.result).where(
                    ClassifyItem.job_id == job["id"], ClassifyItem.line > 300
                )
            ).all()
        )
        left = session.scalar(
            select(func.count())
            .select_from(ClassifyItem)
            .where(ClassifyItem.job_id == job["id"], ClassifyItem.text.is_not(None))
        )
    assert left == 0
    assert again == first
