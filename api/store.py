"""Open the configured database from settings, migrated, for commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from api.db.engine import database_url, make_engine, make_session_factory
from api.db.migrate import upgrade
from api.settings import Settings


@contextmanager
def open_store(settings: Settings) -> Iterator[Session]:
    """A session on the migrated database; commits on success, rolls back on error."""
    with store_sessions(settings) as sessions, sessions() as session, session.begin():
        yield session


@contextmanager
def store_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the migrated database, for work that commits as it goes."""
    engine = make_engine(database_url(settings.database_url, settings.home))
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
