"""The migrations build exactly the tables the code declares, on both databases.

Alembic's autogenerate comparison finds a column, index or table that a
migration forgot (or the code forgot); an empty diff means `upgrade` and
`api/db/tables.py` agree.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from api.db.migrate import upgrade
from api.db.tables import Base


def test_upgraded_schema_has_no_drift_from_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
