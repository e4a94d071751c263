"""Idempotency-Key: the same key from the same client never does the work twice.

The first request with a key stores its response (in the same transaction as
its notes); a repeat with the same body gets that response back; a repeat
with a different body is refused with 409, since the client has mixed up keys.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import Idempotency
from api.errors import ConflictError, InvalidRequestError

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
