"""Alembic environment: runs migrations on the connection or URL it is given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from api.db.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", hide_parameters=True)
    with engine.begin() as fresh:
        _migrate(fresh)
    engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
