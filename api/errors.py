"""One error shape for the whole API: RFC 9457 problem details.

Every error answer is `application/problem+json`:

    {"type": "https://walktalk.dev/problems/validation", "title": "Invalid request",
     "status": 422, "detail": "notes.0.text: the text is empty", "instance": "/v1/notes",
     "request_id": "4f0c...", "errors": [{"field": "notes.0.text", "message": "..."}]}

A 500 says "Internal error" and gives the request id, never a traceback (a
traceback can carry a victim's name). Validation messages name the field and
say what was expected; they never echo the submitted text back.

Every deliberate error is a `WalktalkError` (nlp/errors.py) that declares its own
status and problem kind, whether the library raised it (a registry without an
active model is 503) or a route did (the `ApiError` family below), so one
handler answers them all.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nlp.errors import WalktalkError

PROBLEM_BASE = "https://walktalk.dev/problems/"
log = logging.getLogger("walktalk.api")


class ApiError(WalktalkError):
    """An error the API itself raises: a request it refuses, with a message for a person."""

    code = "W400"
    status = 400
    kind = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class UnauthenticatedError(ApiError):
    status, kind, title = 401, "unauthenticated", "API key required"


class ForbiddenError(ApiError):
    status, kind, title = 403, "forbidden", "Not allowed for this role"


class NotFoundError(ApiError):
    status, kind, title = 404, "not-found", "Not found"


class ConflictError(ApiError):
    status, kind, title = 409, "conflict", "Conflict"


class InProgressError(ConflictError):
    """The same request is being handled by another worker now: retry, don't resend anew."""

    kind, title = "in-progress", "Request in progress"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class GoneError(ApiError):
    status, kind, title = 410, "gone", "No longer kept"


class PayloadTooLargeError(ApiError):
    status, kind, title = 413, "too-large", "Request too large"


class RateLimitedError(ApiError):
    """Too many requests from one key; `retry_after` seconds until one would pass."""

    status, kind, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidRequestError(ApiError):
    status, kind, title = 422, "validation", "Invalid request"


class UnavailableError(ApiError):
    status, kind, title = 503, "unavailable", "Service not ready"


def problem(
    request: Request,
    *,
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def internal_error(request: Request, err: BaseException) -> JSONResponse:
    """The 500 answer: a request id, no traceback; logs the error's type only.

    Only the type is logged: a message or traceback from a driver or library can
    quote the note being stored (SQLAlchemy prints the statement's parameters).
    The connection is closed after the answer, so a pooled client does not
    reuse a connection whose request failed half way.
    """
    log.error(
        "internal error %s on %s",
        type(err).__name__,
        request.url.path,
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    return problem(
        request,
        status=500,
        kind="internal",
        title="Internal error",
        detail="Something went wrong on our side; quote the request id if you report it.",
        headers={"Connection": "close"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception type to the one problem-details shape.

    Anything unexpected is answered by `api.middleware.ErrorBoundary`, outside
    these handlers, so that no exception ever reaches uvicorn (which would print
    its traceback, with whatever the exception quotes).
    """

    @app.exception_handler(WalktalkError)
    async def _walktalk_error(request: Request, err: WalktalkError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else dict(err.headers)
        if isinstance(err, RateLimitedError):
            headers["Retry-After"] = str(err.retry_after)
        return problem(
            request,
            status=err.status,
            kind=err.kind,
            title=err.title,
            detail=err.message + (f" {err.hint}" if err.hint else ""),
            errors=getattr(err, "errors", None),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in err.errors()]
        if any(e["type"] == "json_invalid" for e in err.errors()):
            return problem(
                request,
                status=400,
                kind="malformed-json",
                title="Malformed JSON",
                detail="The request body is not valid JSON.",
                errors=errors,
            )
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(
            request,
            status=422,
            kind="validation",
            title="Invalid request",
            detail=detail,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(err.status_code, "Error")
        detail = str(err.detail)
        if err.status_code == 400:  # the body could not be parsed at all (e.g. not UTF-8)
            title, detail = "Malformed JSON", "The request body is not valid UTF-8 JSON."
        return problem(
            request,
            status=err.status_code,
            kind=title.lower().replace(" ", "-"),
            title=title,
            detail=detail,
        )


_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if error.get("type") == "json_invalid":
        at = location[-1] if location else "?"
        return {
            "field": "body",
            "message": f"JSON decode error at character {at}",
            "type": "json_invalid",
        }
    if error.get("type") == "extra_forbidden":
        message = "is not a known field"
    return {
        "field": ".".join(location) or "body",
        "message": message,
        "type": str(error.get("type")),
    }
