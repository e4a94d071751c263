"""Idempotency-Key: the same key from the same client never does the work twice.

The first request with a key stores its response (in the same transaction as
its notes); a repeat with the same body gets that response back; a repeat
with a different body is refused with 409, since the client has mixed up keys.

Requests with one key can also arrive at the same moment (a client retrying on
a timeout, two workers). All do the work; the database's unique key lets one
commit, and the others roll back (their notes with them) and replay its answer.
If the winner's answer cannot be read yet, the loser answers 409 "in progress"
with `Retry-After`, never 500.

This is the one place below a route that settles the transaction itself: the
unique key decides the race only at commit, and the loser must then roll back
its own notes and read the winner's answer (a savepoint would do on
PostgreSQL, but not on SQLite's driver, which opens transactions itself). The
request's own commit afterwards has nothing left to do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db.tables import Idempotency
from api.errors import ConflictError, InProgressError, InvalidRequestError

MAX_KEY = 200


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(
    session: Session, *, client: str, key: str, request_hash: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored (status, response) for this key, or None if it is new."""
    if not key.strip() or len(key) > MAX_KEY:
        raise InvalidRequestError(f"Idempotency-Key must be 1 to {MAX_KEY} characters.")
    stored = session.scalar(
        select(Idempotency).where(Idempotency.client == client, Idempotency.key == key)
    )
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise ConflictError("This Idempotency-Key was already used with a different request body.")
    return stored.status_code, stored.response


def remember(
    session: Session,
    *,
    client: str,
    key: str,
    request_hash: str,
    status: int,
    response: dict[str, Any],
) -> None:
    session.add(
        Idempotency(
            client=client,
            key=key,
            request_hash=request_hash,
            status_code=status,
            response=response,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
    )


def run_once(
    session: Session,
    *,
    client: str,
    key: str,
    request_hash: str,
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Do `work` and commit it with its answer, unless this key already has one."""
    stored = replay(session, client=client, key=key, request_hash=request_hash)
    if stored is not None:
        return stored
    try:
        status, response = work()
        remember(
            session,
            client=client,
            key=key,
            request_hash=request_hash,
            status=status,
            response=response,
        )
        session.commit()
    except (IntegrityError, ConflictError) as err:
        session.rollback()  # another request with this key won; its notes are the ones kept
        stored = replay(session, client=client, key=key, request_hash=request_hash)
        if stored is None:
            raise InProgressError(
                "A request with this Idempotency-Key is being handled now; retry in a second."
            ) from err
        return stored
    return status, response
