"""Alembic environment: the engine comes from eits-tracker's own factory (config.attributes)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import eits_tracker.db.models  # noqa: F401  (registers the tables)
from eits_tracker.db.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///alembic-dev.sqlite3")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
