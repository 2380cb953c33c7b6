"""Alembic, driven from code: upgrade, current revision, and the start-up check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from eits_tracker.errors import DatabaseError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if not self.changed:
            return f"database schema is current ({self.after})"
        if self.before is None:
            return f"created the database schema ({self.after})"
        return f"upgraded the database schema from {self.before} to {self.after}"


def upgrade(engine: Engine) -> UpgradeResult:
    """Bring the schema to head; refuse a database that a newer eits-tracker has upgraded."""
    before = current_revision(engine)
    script = ScriptDirectory(str(MIGRATIONS))
    if before is not None:
        try:
            script.get_revision(before)
        except Exception:
            raise DatabaseError(
                f"the database is at schema revision {before}, which this eits-tracker does not know: "
                "it was upgraded by a newer version. Install that version (or newer) to open it."
            ) from None
    command.upgrade(alembic_config(engine), "head")
    return UpgradeResult(before, head_revision())
