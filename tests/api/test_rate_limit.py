"""A per-key request rate: a token bucket, and 429 with Retry-After over the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.rate_limit import RateLimiter, SharedRateLimiter, build_limiter
from nlp.redact import Redactor
from tests.api.conftest import Api, own_app


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)  # one a second, bursts of 6
    assert [limiter.take("a") for _ in range(6)] == [None] * 6
    assert limiter.take("a") == 1
    assert limiter.take("b") is None  # another key has its own bucket
    clock.now += 1.0
    assert limiter.take("a") is None
    assert limiter.take("a") == 1


def test_a_slow_rate_says_how_long_to_wait() -> None:
    limiter = RateLimiter(6, clock=Clock())  # one every 10 s, bursts of 5
    for _ in range(5):
        assert limiter.take("a") is None
    assert limiter.take("a") == 10


def test_workers_sharing_redis_spend_from_one_bucket_per_key(redis_url: str) -> None:
    prefix = f"walktalk-test:{uuid.uuid4().hex}:"  # this test's own keys
    workers = [SharedRateLimiter(redis_url, 6, prefix=prefix) for _ in range(3)]
    answers = [workers[i % 3].take("a") for i in range(6)]
    assert answers[:5] == [None] * 5  # one burst of 5 between the three of them
    assert answers[5] == 10  # one every 10 s after that
    assert workers[1].take("b") is None  # another key has its own bucket


def test_without_redis_a_worker_limits_on_its_own() -> None:
    limiter = SharedRateLimiter("redis://127.0.0.1:1/0", 6)  # nothing listens there
    assert [limiter.take("a") for _ in range(6)][-1] == 10  # its own bucket: same rate
    assert isinstance(build_limiter(6, None), RateLimiter)
    assert isinstance(build_limiter(6, "redis://127.0.0.1:6379/0"), SharedRateLimiter)
    assert build_limiter(None, "redis://127.0.0.1:6379/0") is None


@pytest.fixture
def limited(
    model_home: Path, database_url: str, tmp_path: Path, shared_redactor: Redactor
) -> Iterator[Api]:
    with own_app(
        model_home, database_url, tmp_path, shared_redactor, rate_limit_per_minute=6
    ) as api:
        yield api


def test_past_its_rate_a_key_gets_429_with_retry_after(limited: Api) -> None:
    body = {"texts": ["dark alley"]}
    answers = [
        limited.client.post("/v1/classify", json=body, headers=limited.headers("tagger"))
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    refused = answers[5]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["title"] == "Too many requests"
    other = limited.client.get("/v1/models", headers=limited.headers("reader"))
    assert other.status_code == 200  # another key is not held back


def test_a_work_budget_spends_characters_and_says_when_there_are_enough() -> None:
    clock = Clock()
    limiter = RateLimiter(6000, clock=clock, burst=6000)  # 100 characters a second
    assert limiter.take("a", 5000) is None
    assert limiter.take("a", 2000) == 10  # 1,000 left: 1,000 more take 10 s
    clock.now += 10
    assert limiter.take("a", 2000) is None


def test_workers_sharing_redis_share_one_work_budget(redis_url: str) -> None:
    prefix = f"walktalk-test:{uuid.uuid4().hex}:"
    workers = [SharedRateLimiter(redis_url, 6000, prefix=prefix, burst=6000) for _ in range(2)]
    assert workers[0].take("a", 5000) is None
    assert workers[1].take("a", 2000) == 10


@pytest.fixture
def budgeted(
    model_home: Path, database_url: str, tmp_path: Path, shared_redactor: Redactor
) -> Iterator[Api]:
    with own_app(
        model_home, database_url, tmp_path, shared_redactor, work_chars_per_minute=1000
    ) as api:
        yield api


def test_past_its_work_budget_a_key_gets_429_and_a_request_too_big_for_it_413(
    budgeted: Api,
) -> None:
    text = "the underpass lights are out and men hang about there " * 10  # 540 characters
    headers = budgeted.headers("tagger")
    post = budgeted.client.post
    assert post("/v1/classify", json={"texts": [text]}, headers=headers).status_code == 200
    refused = post("/v1/classify", json={"texts": [text]}, headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "characters to classify" in refused.json()["detail"]
    notes = {"notes": [{"text": text}]}
    assert post("/v1/notes", json=notes, headers=headers).status_code == 429
    too_big = post("/v1/classify", json={"texts": [text, text]}, headers=headers)
    assert too_big.status_code == 413
    admin = budgeted.headers("admin")  # another key has its own budget
    assert post("/v1/classify", json={"texts": [text]}, headers=admin).status_code == 200
