"""The database: models, engine/session factory and Alembic migrations."""
