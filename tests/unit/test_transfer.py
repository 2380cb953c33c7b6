"""Copy, backup and restore on real databases: SQLite ⇄ PostgreSQL, verified, all or nothing.

The big source is the demo (79 municipalities, ~54k statuses, ~79k history rows, the mentor
network) plus a status with an Estonian note and an accepted risk, generated once per backend
per module; tests copy it (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL).
Tests about refusals and failures use the small reference-data database instead.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pg_helpers import PG_URL, _pg_admin, _pg_base, pg_create, pg_drop
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.engine import make_engine
from eits_tracker.db.setup import open_database
from eits_tracker.db.transfer import (
    SQLITE_HEADER,
    Report,
    TransferError,
    VerificationError,
    backup_database,
    checksums,
    copy_database,
    restore_database,
)
from eits_tracker.errors import DatabaseError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.demo import generate
from eits_tracker.tracking.search import search
from eits_tracker.tracking.statuses import set_status

END = date(2026, 11, 27)
#: A word no demo note has, with Estonian letters; the search folds them (ülevaatusjõud → ulevaatusjoud).
WORD = "Ülevaatusjõud"
NOTE = f"{WORD}: tööjaamade õigused üle vaadatud, šifreerimine ootab eelarvet (ÄÖÜ žš)"
WHEN = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)
RISK = dict(
    justification="Kulu on liiga suur; risk on väike.",
    approved_by="Linnapea",
    approval_date="2026-10-01",
    decision_ref="Korraldus nr 12",
    review_date="2027-10-01",
)

_names = itertools.count()


# --- sources ------------------------------------------------------------------------------


def _add_content(url: str) -> None:
    """A status changed through set_status with an Estonian note, and an accepted risk with dates."""
    db = open_database(load_settings(database_url=url, user="tester"), prepare=False)
    with db.session() as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        set_status(
            s,
            municipality=tartu,
            measure_code="ORP.4.M1",
            status="partial",
            actor="tester",
            changed_at=WHEN,
            note=NOTE,
            owner="Infoturbejuht",
            due_date="2027-03-31",
            cost_eur="1200,50",
            evidence="Korraldus nr 12; Protokoll 2026-11",
        )
        set_status(s, municipality=tartu, measure_code="ORP.4.M11", status="risk_accepted", actor="tester", **RISK)
        s.commit()
    _close(db.engine)


def _close(engine: Any) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # one file, safe to copy
    engine.dispose()


def _fill_demo(url: str) -> None:
    db = open_database(load_settings(database_url=url, user="tester"), prepare=False)
    with db.session() as s:
        generate(s, seed=2026, end=END)
        s.commit()
    _close(db.engine)
    _add_content(url)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    _fill_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def demo_pg_template(request: pytest.FixtureRequest) -> Iterator[str]:
    """The demo in PostgreSQL, as a template database (its name)."""
    if not PG_URL:
        pytest.skip("PostgreSQL only (set EITS_TEST_POSTGRES_URL)")
    name = f"{_pg_base()}_xfer_demo"
    _fill_demo(pg_create(name, request.getfixturevalue("pg_template")))
    yield name
    pg_drop(name)


@pytest.fixture
def demo_sqlite(demo_file: Path, tmp_path: Path) -> str:
    path = tmp_path / "source.sqlite3"
    shutil.copyfile(demo_file, path)
    return f"sqlite:///{path}"


@pytest.fixture
def small_sqlite(sqlite_template: Path, tmp_path: Path) -> str:
    """Reference data plus the two statuses: a copy takes a second, not ten."""
    path = tmp_path / "small.sqlite3"
    shutil.copyfile(sqlite_template, path)
    _add_content(f"sqlite:///{path}")
    return f"sqlite:///{path}"


@pytest.fixture
def new_pg() -> Iterator[Callable[..., str]]:
    """Make PostgreSQL databases for this test: empty, or from a template; all dropped afterwards."""
    if not PG_URL:
        pytest.skip("PostgreSQL only (set EITS_TEST_POSTGRES_URL)")
    made: list[str] = []

    def make(template: str | None = None) -> str:
        name = f"{_pg_base()}_xfer_{next(_names)}"
        made.append(name)
        return pg_create(name, template)

    yield make
    for name in made:
        pg_drop(name)


# --- helpers ------------------------------------------------------------------------------


def _source_sums(report: Report) -> dict[str, tuple[int, str]]:
    return {t.table: (t.source_rows, t.source_sha256) for t in report.tables}


def _target_sums(report: Report) -> dict[str, tuple[int, str]]:
    return {t.table: (t.target_rows, t.target_sha256) for t in report.tables}


def _values(url: str) -> list[dict[str, Any]]:
    """The rows _add_content wrote, their latest history and the first mentoring session, as values."""
    engine = make_engine(url)
    out: list[dict[str, Any]] = []
    with Session(engine) as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        target = munis.default_target(s, tartu)
        for code in ("ORP.4.M1", "ORP.4.M11"):
            row = s.scalars(
                select(m.MeasureStatus)
                .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
                .where(m.Measure.code == code, m.Measure.edition_id == tartu.edition_id)
                .where(m.MeasureStatus.target_object_id == target.id)
            ).one()
            last = s.scalars(
                select(m.StatusHistory).where(m.StatusHistory.status_id == row.id).order_by(m.StatusHistory.id.desc())
            ).first()
            assert last is not None
            out += [row.model_dump(), last.model_dump()]
        first = s.scalars(select(m.MentorSession).order_by(m.MentorSession.id)).first()
        out.append(first.model_dump() if first else {})
    engine.dispose()
    return out


def _search_works(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as s:
        notes = search(s, WORD.lower(), kinds=("note",))
        assert [(h.code, h.municipality_name) for h in notes] == [("ORP.4.M1", "Tartu linn")]
        # folded either way, and the catalogue's own text index
        assert [h.code for h in search(s, "ULEVAATUSJOUD", kinds=("note",))] == ["ORP.4.M1"]
        assert len(search(s, "tööjaam", kinds=("measure",), limit=5)) == 5
        assert search(s, "ORP.4", kinds=("module",))[0].code == "ORP.4"
    engine.dispose()


def _append_only_holds(url: str, tables: tuple[str, ...] = ("status_history",)) -> None:
    """The triggers that keep history append-only are in place (they fire only on a table with rows)."""
    engine = make_engine(url)
    for table in tables:
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(sql))
    engine.dispose()


def _sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _scalar(url: str, sql: str) -> Any:
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


# --- copy -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_is_exact_and_searchable(
    demo_sqlite: str, new_pg: Callable[..., str], tmp_path: Path
) -> None:
    pg = new_pg()
    there = copy_database(demo_sqlite, pg)
    assert there.ok and not there.replaced and not there.skipped
    source = _source_sums(there)
    assert source["status_history"][0] > 79_000 and source["measure_status"][0] > 54_000
    assert source["mentor_session"][0] > 300
    back_url = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    back = copy_database(pg, back_url)
    assert back.ok
    assert _target_sums(there) == _source_sums(back) == _target_sums(back) == source

    expected = _values(demo_sqlite)
    status, history = expected[0], expected[1]
    assert status["note"] == NOTE and status["cost_eur"] == 1200.5 and status["due_date"] == date(2027, 3, 31)
    assert status["evidence"] == ["Korraldus nr 12", "Protokoll 2026-11"] and status["needs_review"] is False
    assert history["changed_at"] == WHEN and history["changes"]["note"] == ["", NOTE]
    assert expected[2]["approval_date"] == date(2026, 10, 1) and expected[2]["status"] == "risk_accepted"
    for url in (pg, back_url):
        assert _values(url) == expected
        _search_works(url)
        _append_only_holds(url, ("status_history", "mentor_session"))


def test_a_target_with_data_is_refused_and_left_alone_then_replaced(demo_sqlite: str, db_url: str) -> None:
    """db_url has the reference data: not empty. --replace empties it past the append-only rule."""
    before = checksums(db_url)
    with pytest.raises(TransferError, match=r"is not empty \(it has rows in edition.*add --replace"):
        copy_database(demo_sqlite, db_url)
    assert checksums(db_url) == before

    report = copy_database(demo_sqlite, db_url, replace=True)
    assert report.ok and report.replaced
    assert _target_sums(report) == _source_sums(report)
    assert report.rows > 130_000
    _search_works(db_url)
    # the rules are back (SQLite) or were never off (PostgreSQL)
    _append_only_holds(db_url, ("status_history", "mentor_session"))


@pytest.mark.postgres
def test_new_rows_after_a_copy_to_postgresql_get_fresh_ids(small_sqlite: str, new_pg: Callable[..., str]) -> None:
    pg = new_pg()
    copy_database(small_sqlite, pg)
    engine = make_engine(pg)
    with Session(engine) as s:
        last_status = s.scalar(select(func.max(m.MeasureStatus.id)))
        last_history = s.scalar(select(func.max(m.StatusHistory.id)))
        assert last_status and last_history
        change = set_status(
            s,
            municipality=munis.find_municipality(s, "Tallinn"),
            measure_code="ISMS.1.M1",
            status="partial",
            actor="t",
        )
        s.commit()
        assert change.history is not None
        assert (change.row.id, change.history.id) == (last_status + 1, last_history + 1)
        assert munis.find_municipality(s, "Kihnu vald").id is not None
    engine.dispose()


def test_a_refused_copy_does_not_upgrade_an_older_target(small_sqlite: str, db_url: str) -> None:
    from alembic import command

    from eits_tracker.db.migrate import alembic_config, current_revision

    engine = make_engine(db_url)
    command.downgrade(alembic_config(engine), "0004_mentor_network")
    with pytest.raises(TransferError, match="is not empty"):
        copy_database(small_sqlite, db_url)
    assert current_revision(engine) == "0004_mentor_network"
    engine.dispose()


def test_a_copy_that_fails_halfway_leaves_the_target_as_it_was(small_sqlite: str, db_url: str) -> None:
    """A history row pointing to a status that does not exist, as a SQLite file written without
    foreign keys can have: the copy fails at the last table, after everything else was written."""
    raw = sqlite3.connect(_sqlite_file(small_sqlite))
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute(
        "INSERT INTO status_history (status_id, municipality_id, target_object_id, measure_code, edition_key, "
        "changed_at, changed_by, source, old_status, new_status, note, changes) "
        "SELECT 999999, municipality_id, target_object_id, measure_code, edition_key, changed_at, changed_by, "
        "source, old_status, new_status, note, changes FROM status_history LIMIT 1"
    )
    raw.commit()
    raw.close()
    _add_content(db_url)  # the target has statuses and history of its own
    before = checksums(db_url)
    with pytest.raises(TransferError, match=r"the copy into .* failed at table status_history: .*Nothing was written"):
        copy_database(small_sqlite, db_url, replace=True)
    assert checksums(db_url) == before
    _append_only_holds(db_url)


def test_a_failed_copy_into_a_new_file_leaves_no_file(small_sqlite: str, tmp_path: Path) -> None:
    raw = sqlite3.connect(_sqlite_file(small_sqlite))
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("UPDATE measure_status SET target_object_id = 999999")
    raw.commit()
    raw.close()
    target = tmp_path / "new" / "copy.sqlite3"
    with pytest.raises(TransferError, match="failed at table measure_status"):
        copy_database(small_sqlite, f"sqlite:///{target}")
    assert not any(target.parent.iterdir())


@pytest.mark.postgres
def test_a_copy_that_does_not_verify_is_rolled_back(
    request: pytest.FixtureRequest, new_pg: Callable[..., str], sqlite_template: Path, tmp_path: Path
) -> None:
    """PostgreSQL keeps NaN in a double precision column; SQLite stores it as NULL. The checksums
    catch it, and the target stays as it was."""
    source = new_pg(request.getfixturevalue("pg_template"))
    _add_content(source)
    engine = make_engine(source)
    with engine.begin() as conn:
        conn.execute(text("UPDATE measure_status SET cost_eur = 'NaN'"))
    engine.dispose()
    target = tmp_path / "target.sqlite3"
    shutil.copyfile(sqlite_template, target)
    before = checksums(f"sqlite:///{target}")
    with pytest.raises(VerificationError, match=r"differs from .* in measure_status; it was rolled back") as caught:
        copy_database(source, f"sqlite:///{target}", replace=True)
    bad = [t for t in caught.value.report.tables if not t.ok]
    assert [(t.table, t.source_rows == t.target_rows) for t in bad] == [("measure_status", True)]
    assert checksums(f"sqlite:///{target}") == before


# --- backup and restore -------------------------------------------------------------------------


def test_sqlite_backup_while_another_connection_writes_is_consistent(demo_sqlite: str, tmp_path: Path) -> None:
    committed = checksums(demo_sqlite)
    writer = sqlite3.connect(_sqlite_file(demo_sqlite), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE measure_status SET note = 'pooleli' WHERE id IN (SELECT id FROM measure_status LIMIT 50)")
    writer.execute(
        "INSERT INTO draft (owner, kind, key, payload, updated_at) VALUES ('t', 'session', 'x', '{}', "
        "'2026-11-27 10:00:00.000000')"
    )
    file = tmp_path / "backups" / "eits.sqlite3"
    file.parent.mkdir()
    try:
        started = time.perf_counter()
        report = backup_database(demo_sqlite, file)
        elapsed = time.perf_counter() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert elapsed < 25, "the backup waited for the writer"
    assert report.ok and _target_sums(report) == committed
    assert os.listdir(file.parent) == ["eits.sqlite3"]  # no -wal beside it, no half file
    assert sqlite3.connect(file).execute("PRAGMA journal_mode").fetchone() == ("delete",)
    # The app opens the backup as it is, search included.
    db = open_database(load_settings(database_url=f"sqlite:///{file}"))
    db.engine.dispose()
    _search_works(f"sqlite:///{file}")


@pytest.mark.postgres
def test_postgresql_backup_restores_into_sqlite_and_postgresql(
    demo_pg_template: str, new_pg: Callable[..., str], tmp_path: Path
) -> None:
    source = new_pg(demo_pg_template)
    file = tmp_path / "eits-backup.sqlite3"
    backup = backup_database(source, file)
    assert backup.ok
    expected = _source_sums(backup)
    assert file.read_bytes()[:16] == SQLITE_HEADER and os.listdir(tmp_path) == [file.name]
    fingerprint = hashlib.sha256(file.read_bytes()).hexdigest()

    into_sqlite = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    into_pg = new_pg()
    for url in (into_sqlite, into_pg):
        report = restore_database(file, url)
        assert report.ok and _target_sums(report) == expected
        assert _values(url) == _values(source)
        _search_works(url)
    assert hashlib.sha256(file.read_bytes()).hexdigest() == fingerprint  # restore only reads the backup


@pytest.mark.postgres
def test_a_login_that_sees_only_some_rows_cannot_back_up(
    request: pytest.FixtureRequest, new_pg: Callable[..., str], tmp_path: Path
) -> None:
    """Row-level security would hand a contact person only their municipality's rows: a backup
    made with their login would look complete and not be. It is refused instead."""
    from eits_tracker.users import add_user

    url = new_pg(request.getfixturevalue("pg_template"))
    login = f"eits_t_xfer_{os.getpid()}"
    db = open_database(load_settings(database_url=url, user="admin"), prepare=False)
    with db.session() as s:
        add_user(
            s, login=login, name="Kihnu Kontakt", email="kontakt@kihnu.ee", roles=["contact"], municipality="Kihnu vald"
        )
        s.commit()
    db.engine.dispose()
    _add_content(url)
    as_contact = make_url(url).set(username=login).render_as_string(hide_password=False)
    try:
        with pytest.raises(TransferError, match=r"row-level security.*owns the tables or a superuser"):
            backup_database(as_contact, tmp_path / "partial.sqlite3")
        assert os.listdir(tmp_path) == []
    finally:
        pg_drop(make_url(url).database or "")  # before the login: nothing of it may remain
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        admin.dispose()


def test_a_backup_file_is_not_overwritten_without_force(db_url: str, tmp_path: Path) -> None:
    file = tmp_path / "backups" / "eits.sqlite3"
    file.parent.mkdir()
    file.write_bytes(b"an older backup")
    with pytest.raises(DatabaseError, match="already exists: choose another name, or add --force"):
        backup_database(db_url, file)
    assert file.read_bytes() == b"an older backup"
    report = backup_database(db_url, file, force=True)
    assert report.ok and _target_sums(report) == checksums(db_url)
    assert os.listdir(file.parent) == ["eits.sqlite3"]
    assert file.read_bytes()[:16] == SQLITE_HEADER


# --- what a user can get wrong ------------------------------------------------------------------


def _old_revision(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "old.sqlite3"
    shutil.copyfile(sqlite_template, path)
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '0004_mentor_network'")
    raw.commit()
    raw.close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing", r"there is no file .*nowhere\.sqlite3: check the path"),
        ("not a database", r"notes\.txt is not a SQLite database"),
        ("no schema", r"is not an eits-tracker database \(it has no schema\)"),
        (
            "old revision",
            r"is at schema revision 0004_mentor_network, .*run 'eits-tracker --database-url .* db upgrade'",
        ),
        ("unreachable", r"cannot open postgresql://eits:\*\*\*@127\.0\.0\.1:1/eits: .*Check the target URL"),
        ("same", r"source and target are the same database"),
        ("not a url", r"is not a database URL"),
    ],
)
def test_mistakes_are_refused_with_what_to_do(
    case: str, match: str, small_sqlite: str, sqlite_template: Path, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    source = small_sqlite
    if case == "missing":
        source = f"sqlite:///{tmp_path / 'nowhere.sqlite3'}"
    elif case == "not a database":
        (tmp_path / "notes.txt").write_text("not a database\n")
        source = f"sqlite:///{tmp_path / 'notes.txt'}"
    elif case == "no schema":
        blank = sqlite3.connect(tmp_path / "blank.sqlite3")
        blank.execute("CREATE TABLE notes (body TEXT)")
        blank.close()
        source = f"sqlite:///{tmp_path / 'blank.sqlite3'}"
    elif case == "old revision":
        source = _old_revision(tmp_path, sqlite_template)
    elif case == "unreachable":
        target = "postgresql://eits:hemmelig@127.0.0.1:1/eits"
    elif case == "same":
        target = source.replace(str(tmp_path), f"{tmp_path}/.")  # the same file, spelt differently
    elif case == "not a url":
        target = "nonsense"
    with pytest.raises(DatabaseError, match=match) as caught:
        copy_database(source, target)
    assert "hemmelig" not in str(caught.value)
    assert not (tmp_path / "nowhere.sqlite3").exists() and not (tmp_path / "target.sqlite3").exists()


def test_restore_refuses_what_is_not_a_backup(db_url: str, tmp_path: Path, sqlite_template: Path) -> None:
    with pytest.raises(DatabaseError, match="there is no file"):
        restore_database(tmp_path / "missing.sqlite3", db_url)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        restore_database(tmp_path / "notes.txt", db_url)
    old = _sqlite_file(_old_revision(tmp_path, sqlite_template))
    with sqlite3.connect(old) as raw:
        raw.execute("PRAGMA journal_mode = DELETE")  # as a backup file is: opened read-only
    with pytest.raises(DatabaseError, match=r"0004_mentor_network.*upgrade it first .*on a copy"):
        restore_database(old, db_url)
    with pytest.raises(DatabaseError, match="already exists"):
        backup_database(db_url, old)
    with pytest.raises(DatabaseError, match=r"folder .*nowhere does not exist"):
        backup_database(db_url, tmp_path / "nowhere" / "eits.sqlite3")
