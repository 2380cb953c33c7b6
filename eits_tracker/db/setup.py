"""Open a database ready for work: connect, migrate, and put the reference data in place.

One factory used by the CLI, the app and the tests. It returns what it did, so the
caller can say so ("created the database schema", "loaded E-ITS 2024 …").
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session

from eits_tracker import paths
from eits_tracker.config import Settings
from eits_tracker.db.engine import check_connection, make_engine, new_session
from eits_tracker.db.migrate import upgrade
from eits_tracker.errors import CatalogError

if TYPE_CHECKING:
    from eits_tracker.access import Access
    from eits_tracker.db import models as m

Progress = Callable[[str], None]


@dataclass
class Database:
    """The engine plus the settings it was opened with; hands out sessions."""

    engine: Engine
    settings: Settings
    messages: list[str] = field(default_factory=list)
    _access: Access | None = field(default=None, repr=False)

    def session(self) -> Session:
        """A new session that knows who is working (``eits_tracker.access``)."""
        session = new_session(self.engine)
        session.info["access"] = self.access
        return session

    @property
    def access(self) -> Access:
        """Who the connection belongs to and what they may do; read once per Database."""
        if self._access is None:
            from eits_tracker.access import resolve

            with new_session(self.engine) as session:
                self._access = resolve(session, user=self.settings.resolved_user())
        return self._access

    @property
    def actor(self) -> str:
        """The name written into the history: the database login, unless an administrator's
        connection (SQLite file, PostgreSQL superuser) names someone with ``--user``."""
        access = self.access
        return self.settings.resolved_user() if access.superuser else access.login


def open_database(settings: Settings, *, prepare: bool = True, progress: Progress | None = None) -> Database:
    """Connect; with ``prepare``, upgrade the schema and load missing reference data."""
    engine = make_engine(settings.resolved_database_url())
    check_connection(engine)
    db = Database(engine, settings)
    if prepare:
        say = progress or (lambda _msg: None)
        result = upgrade(engine)
        if result.changed:
            db.messages.append(result.describe())
            say(result.describe())
        for msg in ensure_reference_data(db, progress=say):
            db.messages.append(msg)
            say(msg)
    return db


def shipped_editions() -> list[Path]:
    return sorted(paths.catalog_dir().glob("eits-*.json"))


def ensure_reference_data(db: Database, *, progress: Progress | None = None) -> list[str]:
    """Load every shipped edition not yet in the database, and the 79 municipalities if absent."""
    said: list[str] = []
    with db.session() as session:
        # Plain SQL: on a current database (the usual start) the models are not needed yet.
        loaded = set(session.execute(text("SELECT key FROM edition")).scalars().all())
        files = shipped_editions()
        if not files:
            raise CatalogError(
                f"no catalogue files in {paths.catalog_dir()}: the installation is incomplete. "
                "Reinstall eits-tracker or run 'make catalog' in the checkout."
            )
        for path in files:
            key = path.stem.removeprefix("eits-")
            if key in loaded:
                continue
            from eits_tracker.catalog import native
            from eits_tracker.catalog.load import load_edition

            if progress:
                progress(f"loading catalogue {path.name} …")
            cat = native.read(path)
            load_edition(session, cat)
            c = cat.counts()
            said.append(
                f"loaded {cat.edition.standard} {cat.edition.key}: {c['modules']} modules, {c['measures']} measures"
            )
        session.commit()
        if not session.execute(text("SELECT count(*) FROM municipality")).scalar():
            if progress:
                progress("adding the 79 municipalities …")
            n = _insert_municipalities(session)
            session.commit()
            said.append(f"added {n} municipalities")
    return said


def latest_edition(session: Session) -> m.Edition | None:
    from eits_tracker.db import models as m

    return session.scalars(
        select(m.Edition).where(m.Edition.standard == "E-ITS").order_by(m.Edition.year.desc(), m.Edition.id.desc())  # type: ignore[union-attr]
    ).first()


def _insert_municipalities(session: Session) -> int:
    from eits_tracker.db import models as m

    register = paths.catalog_dir() / "municipalities.csv"
    with register.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    edition = latest_edition(session)
    conn = session.connection()
    conn.execute(
        insert(m.Municipality),
        [
            {
                "ehak_code": r["ehak_code"],
                "name": r["name"],
                "kind": r["kind"],
                "county": r["county"],
                "county_ehak": r["county_ehak"],
                "population": int(r["population"]) if r.get("population") else None,
                "edition_id": edition.id if edition else None,
                "approach": "basic",
                "version": 1,
            }
            for r in rows
        ],
    )
    ids = conn.execute(select(m.Municipality.id)).scalars().all()
    conn.execute(
        insert(m.TargetObject),
        [
            {
                "municipality_id": i,
                "name": "Kogu organisatsioon",
                "kind": "organisation",
                "is_default": True,
                "description": "",
            }
            for i in ids
        ],
    )
    return len(rows)
