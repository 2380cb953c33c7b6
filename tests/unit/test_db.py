"""The database: first start, pragmas, UTC timestamps, append-only history, revisions, bad URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.migrate import current_revision, head_revision
from eits_tracker.db.setup import Database, open_database
from eits_tracker.errors import DatabaseError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status


def test_first_start_migrates_and_loads_everything(empty_db_url: str) -> None:
    said: list[str] = []
    db = open_database(load_settings(database_url=empty_db_url), progress=said.append)
    try:
        assert current_revision(db.engine) == head_revision()
        assert any("created the database schema" in s for s in said)
        with db.session() as s:
            assert sorted(s.scalars(select(m.Edition.key)).all()) == ["2023", "2024"]
            assert s.scalar(select(func.count()).select_from(m.Municipality)) == 79
            assert s.scalar(select(func.count()).select_from(m.TargetObject).where(m.TargetObject.is_default)) == 79
            tallinn = munis.find_municipality(s, "Tallinn")
            assert munis.edition_of(s, tallinn).key == "2024"
        # A second start does nothing more and says nothing.
        again = open_database(load_settings(database_url=empty_db_url))
        assert again.messages == []
        again.engine.dispose()
    finally:
        db.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_template) -> None:  # type: ignore[no-untyped-def]
    db = open_database(load_settings(database_url=f"sqlite:///{sqlite_template}"), prepare=False)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.engine.dispose()


def test_timestamps_are_stored_and_read_as_utc(db: Database) -> None:
    with db.session() as s:
        mu = munis.find_municipality(s, "Tartu linn")
        tallinn_time = datetime(2026, 6, 30, 23, 30, tzinfo=timezone(timedelta(hours=3)))
        change = set_status(
            s, municipality=mu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=tallinn_time
        )
        s.commit()
        hid = change.history.id  # type: ignore[union-attr]
    with db.session() as s:
        h = s.get(m.StatusHistory, hid)
        assert h is not None
        assert h.changed_at.tzinfo is not None
        assert h.changed_at == datetime(2026, 6, 30, 20, 30, tzinfo=UTC)


def test_history_rows_cannot_be_updated_or_deleted(db: Database) -> None:
    with db.session() as s:
        mu = munis.find_municipality(s, "Tartu linn")
        set_status(s, municipality=mu, measure_code="ISMS.1.M1", status="partial", actor="t")
        s.commit()
    for sql in ("UPDATE status_history SET new_status = 'implemented'", "DELETE FROM status_history"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.StatusHistory)) == 1


def test_a_database_from_a_newer_version_is_refused(db: Database, db_url: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(DatabaseError, match="newer version"):
        open_database(load_settings(database_url=db_url))


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgresql://nobody@127.0.0.1:1/none", "cannot connect"),
        ("not a url", "not a database URL"),
        ("mysql+nodriver://x@localhost/db", "cannot use database URL"),
    ],
)
def test_bad_database_urls_say_what_to_do(url: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match):
        open_database(load_settings(database_url=url))


def test_an_older_database_is_upgraded_on_start_and_says_so(empty_db_url: str) -> None:
    from alembic import command

    from eits_tracker.db.engine import make_engine
    from eits_tracker.db.migrate import alembic_config

    engine = make_engine(empty_db_url)
    command.upgrade(alembic_config(engine), "0001_initial")
    assert current_revision(engine) == "0001_initial"
    engine.dispose()
    said: list[str] = []
    db = open_database(load_settings(database_url=empty_db_url), progress=said.append)
    assert said[0] == f"upgraded the database schema from 0001_initial to {head_revision()}"
    assert current_revision(db.engine) == head_revision()
    db.engine.dispose()


def test_the_known_head_is_alembics_head() -> None:
    """The start-up shortcut compares with HEAD; a new migration must move it."""
    from eits_tracker.db.migrate import HEAD

    assert head_revision() == HEAD
