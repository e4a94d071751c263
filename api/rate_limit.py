"""A per-key request rate: a token bucket for each API key, in each worker process.

One client in a loop must not starve the others of a two-core machine. Each key
may make `per_minute` requests a minute, in bursts of up to a tenth of that (at
least 5); past it the answer is 429 with `Retry-After`, the seconds until a
request would pass. Buckets live in the worker's memory: with N workers a key
may get up to N times the rate, which is bounded and needs no shared store.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key name; `take` says how long to wait, or None to go on."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(5.0, per_minute / 10.0)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        """Spend one token of `key`'s bucket; None if there was one, else seconds to wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
