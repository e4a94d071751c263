"""Open the configured database from settings, migrated, for commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from api.db.engine import database_url, make_engine, make_session_factory
from api.db.migrate import upgrade
from api.settings import Settings


@contextmanager
def open_store(settings: Settings) -> Iterator[Session]:
    """A session on the migrated database; commits on success, rolls back on error."""
    engine = make_engine(database_url(settings.database_url, settings.home))
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()
