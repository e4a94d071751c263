"""Per-key budgets: a request rate, and the work (characters to classify) a key may ask for.

One client in a loop must not starve the others. Each key may make
`per_minute` requests a minute, in bursts of up to a tenth of that (at least
5); past it the answer is 429 with `Retry-After`, the seconds until a request
would pass. The work budget is the same bucket counted in characters, with a
minute's worth as its burst: the classifier's CPU time grows with the
characters it reads, so a key sending 1,000 long texts at once spends what
another sends over many small requests, and waits the same.

Where the deployment has Redis (`WALKTALK_RATE_LIMIT_URL`, or the job queue's
`WALKTALK_QUEUE_URL`), every worker and replica spends from one bucket per key
there, so the rate holds however many processes serve. Without it each worker
process keeps its own buckets, and with N workers a key may get up to N times
the rate. If Redis stops answering, each process falls back to its own buckets
rather than refusing or waving through every request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("walktalk.api")


class Limiter(Protocol):
    burst: float

    def take(self, key: str, cost: float = 1.0) -> int | None:
        """Spend `cost` of `key`'s rate: None to go on, else seconds until it would pass."""


def burst_of(per_minute: int) -> float:
    return max(5.0, per_minute / 10.0)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key name in this process; `take` says how long to wait, or None."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        burst: float | None = None,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst or burst_of(per_minute)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> int | None:
        """Spend `cost` tokens of `key`'s bucket; None if it had them, else seconds to wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return None
            return max(1, math.ceil((cost - bucket.tokens) / self.rate))


# The same bucket kept as one number in Redis: the moment (ms, Redis's own clock, so
# replicas' clocks do not matter) at which the bucket would be full again. A request
# moves it one interval later; it is refused when that would reach past a full burst
# from now. One script, so the read and the write cannot interleave between processes.
_SPEND = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2]) * interval
local cost = tonumber(ARGV[3]) * interval
local full_at = tonumber(redis.call('GET', KEYS[1]) or now)
if full_at < now then full_at = now end
local after = full_at + cost
if after - now > burst then
  return after - burst - now
end
redis.call('SET', KEYS[1], after, 'PX', math.ceil(after - now))
return -1
"""


class SharedRateLimiter:
    """One token bucket per key in Redis, shared by every process that uses the same URL."""

    def __init__(
        self,
        url: str,
        per_minute: int,
        *,
        prefix: str = "walktalk:rate:",
        burst: float | None = None,
    ) -> None:
        import redis

        self.interval_ms = 60_000 / per_minute
        self.burst = burst or burst_of(per_minute)
        self.prefix = prefix
        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.spend = self.client.register_script(_SPEND)
        self.fallback = RateLimiter(per_minute, burst=self.burst)
        self._errors = (redis.RedisError, OSError)

    def take(self, key: str, cost: float = 1.0) -> int | None:
        try:
            args = [self.interval_ms, self.burst, cost]
            wait_ms = int(self.spend(keys=[self.prefix + key], args=args))
        except self._errors as err:
            log.warning(
                "rate limit store unavailable (%s); limiting in this process", type(err).__name__
            )
            return self.fallback.take(key, cost)
        return None if wait_ms < 0 else max(1, math.ceil(wait_ms / 1000))


def build_limiter(
    per_minute: int | None, url: str | None, *, name: str = "rate", burst: float | None = None
) -> Limiter | None:
    """The limiter the settings ask for: none, shared through Redis, or this process's own."""
    if not per_minute:
        return None
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return SharedRateLimiter(url, per_minute, prefix=f"walktalk:{name}:", burst=burst)
    return RateLimiter(per_minute, burst=burst)
