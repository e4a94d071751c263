"""A per-key request rate: a token bucket, and 429 with Retry-After over the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.rate_limit import RateLimiter
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
