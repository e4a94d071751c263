"""API keys: made once, shown once, stored only as a hash.

A key looks like `wt_<prefix>_<secret>`. The prefix (8 random characters) finds
the row; the secret (32 random bytes, URL-safe) is checked against its SHA-256
in constant time. A slow password hash is not needed: the secret has 256 bits
of entropy, so a leaked hash cannot be guessed back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.roles import Role
from api.db.tables import ApiKey
from nlp.errors import WalktalkError


class ApiKeyError(WalktalkError):
    """A key command was given a bad name, role or id."""

    code = "W201"
    title = "API key"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its name (the client) and its role."""

    key_id: int
    name: str
    role: Role


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, *, name: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plain text (shown once, never stored)."""
    if role not in Role.__members__:
        raise ApiKeyError(f"Unknown role {role!r}; roles are {', '.join(Role)}.")
    if not name.strip() or len(name) > 100:
        raise ApiKeyError("A key needs a name of 1 to 100 characters (who or what uses it).")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name.strip(),
        role=role,
        prefix=prefix,
        secret_hash=_hash(secret),
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(key)
    session.flush()
    return key, f"wt_{prefix}_{secret}"


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise ApiKeyError(
            f"No API key with id {key_id}.", hint="`walktalk keys list` shows the ids."
        )
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC).replace(tzinfo=None)
    return key


def verify(session: Session, presented: str) -> Principal | None:
    """The principal for a presented key, or None if unknown, malformed or revoked."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "wt":
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    return Principal(key_id=key.id, name=key.name, role=Role(key.role))
