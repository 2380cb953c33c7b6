"""``db copy``, ``db backup`` and ``db restore`` through the real command line: output and exit codes.

Each runs on this test's database (SQLite, and PostgreSQL where the run provides one) holding the
reference data and one status with an Estonian note.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_helpers import PG_URL, _pg_base, pg_create, pg_drop
from sqlalchemy import text

from eits_tracker.cli import main
from eits_tracker.config import load_settings
from eits_tracker.db.engine import make_engine
from eits_tracker.db.setup import open_database
from eits_tracker.db.transfer import checksums
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status

NOTE = "Õigused üle vaadatud, šifreerimine ootab (ÄÖÜ)"


@pytest.fixture
def filled(db_url: str) -> str:
    db = open_database(load_settings(database_url=db_url, user="tester"), prepare=False)
    with db.session() as s:
        mu = munis.find_municipality(s, "Tartu linn")
        set_status(s, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="tester", note=NOTE)
        s.commit()
    db.engine.dispose()
    return db_url


def _lines(out: str) -> dict[str, list[str]]:
    """The verification table: table name → [source rows, target rows, checksum]."""
    return {parts[0]: parts[1:] for line in out.splitlines() if len(parts := line.split()) == 4}


def test_db_copy_prints_the_verification_and_refuses_a_target_with_data(
    cli, filled: str, empty_db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    middle = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    r = cli("db", "copy", filled, middle)
    assert r.code == 0, r.err
    table = _lines(r.out)
    assert table["status_history"] == ["1", "1", "match"] and table["measure_status"] == ["1", "1", "match"]
    assert table["municipality"] == ["79", "79", "match"]
    assert all(v[2] == "match" for k, v in table.items() if k != "table")
    assert "counts and checksums match" in r.out.splitlines()[-1]

    again = cli("db", "copy", filled, middle)
    assert again.code == 2 and again.out == ""
    assert "Target not empty:" in again.err and "add --replace" in again.err and "Traceback" not in again.err

    r = cli("db", "copy", filled, middle, "--replace", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["ok"] is True and data["replaced"] is True
    assert {t["table"] for t in data["tables"]} >= {"edition", "measure_status", "status_history", "mentor_session"}
    assert all(t["source_sha256"] == t["target_sha256"] for t in data["tables"])

    # and on into an empty database of this test's backend: PostgreSQL → SQLite → PostgreSQL
    r = cli("db", "copy", middle, empty_db_url)
    assert r.code == 0, r.err
    assert checksums(empty_db_url) == checksums(filled)


def test_db_backup_writes_a_file_once_and_restore_loads_it(cli, filled: str, empty_db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "backups" / "eits-2026-11-27.sqlite3"
    file.parent.mkdir()
    r = cli("db", "backup", str(file))
    assert r.code == 0, r.err
    assert "backed up" in r.out and str(file) in r.out and _lines(r.out)["status_history"] == ["1", "1", "match"]
    assert os.listdir(file.parent) == [file.name]

    r = cli("db", "backup", str(file))
    assert r.code == 2 and "already exists" in r.err and "--force" in r.err
    r = cli("db", "backup", str(file), "--force", "--json")
    assert r.code == 0 and json.loads(r.out)["ok"] is True

    # The configured database has data: restoring over it needs --replace.
    r = cli("db", "restore", str(file))
    assert r.code == 2 and "not empty" in r.err and "--replace" in r.err
    r = cli("db", "restore", str(file), "--replace")
    assert r.code == 0, r.err
    assert "restored" in r.out and _lines(r.out)["measure_status"] == ["1", "1", "match"]

    r = cli("db", "restore", str(file), url=empty_db_url)
    assert r.code == 0, r.err
    assert checksums(empty_db_url) == checksums(filled)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["db", "copy", "sqlite:///{tmp}/nowhere.sqlite3", "sqlite:///{tmp}/x.sqlite3"], "there is no file"),
        (["db", "copy", "{db}", "postgresql://eits:hemmelig@127.0.0.1:1/eits"], "eits:***@127.0.0.1:1"),
        (["db", "copy", "sqlite:///{tmp}/notes.txt", "sqlite:///{tmp}/x.sqlite3"], "is not a SQLite database"),
        (["db", "restore", "{tmp}/notes.txt"], "is not a SQLite database"),
        (["db", "restore", "{tmp}/nowhere.sqlite3"], "there is no file"),
        (["db", "backup", "{tmp}/notes.txt"], "already exists"),
        (["db", "backup", "{tmp}/no/such/folder/b.sqlite3"], "does not exist"),
    ],
)
def test_db_transfer_mistakes_exit_2_with_what_to_do(
    cli, db_url: str, tmp_path: Path, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "notes.txt").write_text("not a database")
    r = cli(*(a.format(tmp=tmp_path, db=db_url) for a in args))
    assert r.code == 2, r.out
    assert message in r.err and "hemmelig" not in r.err + r.out and "Traceback" not in r.err
    assert not (tmp_path / "x.sqlite3").exists() and not (tmp_path / "nowhere.sqlite3").exists()


@pytest.fixture
def pg_with_nan(request: pytest.FixtureRequest) -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL only (set EITS_TEST_POSTGRES_URL)")
    name = f"{_pg_base()}_cli_nan"
    url = pg_create(name, request.getfixturevalue("pg_template"))
    db = open_database(load_settings(database_url=url, user="tester"), prepare=False)
    with db.session() as s:
        mu = munis.find_municipality(s, "Tartu linn")
        set_status(s, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="tester", cost_eur=10)
        s.commit()
    db.engine.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE measure_status SET cost_eur = 'NaN'"))  # SQLite can only store it as NULL
    engine.dispose()
    yield url
    pg_drop(name)


@pytest.mark.postgres
def test_db_copy_that_does_not_verify_shows_the_table_and_exits_2(
    pg_with_nan: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.sqlite3"
    code = main(["db", "copy", pg_with_nan, f"sqlite:///{target}"])
    out, err = capsys.readouterr()
    assert code == 2
    assert _lines(out)["measure_status"] == ["1", "1", "DIFFERS"] and _lines(out)["edition"][2] == "match"
    assert err.startswith("Verification failed:") and "rolled back" in err
    assert not target.exists()
