"""Engines and sessions for SQLite (default) and PostgreSQL (by URL).

SQLite gets WAL journalling (readers do not block the writer), enforced foreign
keys and a busy timeout, set on every new connection. Every engine hides
statement parameters from its error messages and logs: they hold note text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def database_url(explicit: str | None, home: Path) -> str:
    """The configured URL, else a SQLite file under the walktalk home."""
    if explicit:
        return explicit
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(home / 'walktalk.db').resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
