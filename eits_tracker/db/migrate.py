"""Alembic, driven from code: upgrade, current revision, and the start-up check.

Every start checks the schema. The common case — already current — is answered
with one plain query against ``alembic_version`` and the known head, so Alembic
itself (about 0.1 s to import and 0.07 s to run a no-op upgrade) is loaded only
when there is something to migrate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from eits_tracker.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: The newest revision in migrations/versions; a test checks it equals Alembic's own head.
HEAD = "0007_status_snapshot"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (the slow, authoritative answer)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision stored in the database; None for a database without a schema."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
    if before == HEAD:
        return UpgradeResult(before, HEAD)
    from alembic import command
    from alembic.script import ScriptDirectory

    if before is not None:
        try:
            ScriptDirectory(str(MIGRATIONS)).get_revision(before)
        except Exception:
            raise DatabaseError(
                f"the database is at schema revision {before}, which this eits-tracker does not know: "
                "it was upgraded by a newer version. Install that version (or newer) to open it."
            ) from None
    command.upgrade(alembic_config(engine), "head")
    return UpgradeResult(before, HEAD)
