"""Request ids, an error boundary, a body-size limit, access logs without note text, and metrics.

Pure ASGI middleware (not BaseHTTPMiddleware), so streaming bodies are counted
as they arrive and a too-large body is refused before it is all read.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import internal_error

log = logging.getLogger("walktalk.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Metrics:
    """The Prometheus collectors of one app (its own registry, so tests don't clash)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "walktalk_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "walktalk_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.notes_ingested = Counter(
            "walktalk_notes_ingested_total", "Notes stored", registry=self.registry
        )
        self.texts_classified = Counter(
            "walktalk_texts_classified_total", "Texts classified", registry=self.registry
        )


class RequestContext:
    """Give each request an id, time it, log it (method, route, status, ms) and count it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500}
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.requests.labels(route, scope["method"], str(status["code"])).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(elapsed)
            log.info(
                "%s %s %s %.1fms",
                scope["method"],
                route,
                status["code"],
                elapsed * 1000,
                extra={"request_id": request_id},
            )


class ErrorBoundary:
    """Answer any exception the app lets through with a 500 problem; never re-raise it.

    Starlette's own last-resort handler sends a 500 and then re-raises, and
    uvicorn prints the traceback, SQLAlchemy's `[parameters: ...]` included: a
    note's text, a name, a phone number. Here the exception stops: its type and
    the request id are logged, nothing else.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as err:  # the boundary: everything, by design
            response = internal_error(Request(scope), err)
            if not started:  # otherwise the client already has a status; uvicorn closes it
                await response(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, by header or by counting.

    Paths in `streamed` (bulk uploads) pass through unread: their route spools
    the body to disk and applies its own, larger limit.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, streamed: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.streamed:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:  # read the body first: over the limit, the app never sees it
            message = await receive()
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body: dict[str, Any] = {
            "type": "https://walktalk.dev/problems/too-large",
            "title": "Request too large",
            "status": 413,
            "detail": f"The request body is over {self.max_bytes} bytes; send fewer or shorter notes per request.",
            "instance": scope.get("path"),
            "request_id": scope.get("state", {}).get("request_id"),
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
