"""Storage: SQLAlchemy tables, engine, sessions and Alembic migrations."""
