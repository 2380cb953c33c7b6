"""Shared fixtures: isolated directories, the ../shared sources, real databases on both backends.

Every database test runs on SQLite and, where EITS_TEST_POSTGRES_URL is set, again on
PostgreSQL. Each test gets its own database, copied from a template that was migrated and
filled with the shipped reference data once per session (a file copy on SQLite,
CREATE DATABASE … TEMPLATE on PostgreSQL), so tests are isolated and still fast.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg_helpers import PG_URL, _pg_admin, _pg_base, _pg_url, drop_made_logins, pg_create, pg_drop  # noqa: F401

from eits_tracker.config import load_settings
from eits_tracker.db.setup import Database, open_database
from eits_tracker.paths import catalogue_sources_dir

BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
_counter = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    # Session-scoped fixtures run before the autouse one: keep them off the developer's config too.
    os.environ["EITS_CONFIG_DIR"] = tempfile.mkdtemp(prefix="eits-test-config-")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point config and data directories at tmp_path: a developer's real database is never touched."""
    monkeypatch.setenv("EITS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("EITS_DATA_DIR", str(tmp_path / "data"))
    for var in ("EITS_DATABASE_URL", "EITS_LANGUAGE", "EITS_USER", "EITS_RISK_ACCEPTANCE_BASIC"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def sources() -> Path:
    """The real catalogue sources in ../shared; CI always has them, so their absence is a failure."""
    path = catalogue_sources_dir()
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"{path} is missing: clone the project with ../shared beside it (or set EITS_SHARED_DIR)")
    return path


# --- templates and per-test databases -----------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = open_database(load_settings(database_url=f"sqlite:///{path}"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"{_pg_base()}_tpl"
    url = pg_create(name)
    db = open_database(load_settings(database_url=url))
    db.engine.dispose()
    yield name
    pg_drop(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database with schema, both editions and the 79 municipalities, private to this test."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "eits.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"{_pg_base()}_{next(_counter)}"
    url = pg_create(name, template)
    yield url
    pg_drop(name)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """PostgreSQL only: a database of its own (schema, editions, municipalities) for tests that
    connect under other logins; the logins they record in ``pg_helpers.MADE_LOGINS`` are dropped."""
    import uuid

    if not PG_URL:
        pytest.skip("PostgreSQL only (set EITS_TEST_POSTGRES_URL)")
    template = request.getfixturevalue("pg_template")
    name = f"{_pg_base()}_logins_{uuid.uuid4().hex[:6]}"
    yield pg_create(name, template)
    pg_drop(name)
    drop_made_logins()


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (first start)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"{_pg_base()}_empty_{next(_counter)}"
    url = pg_create(name)
    yield url
    pg_drop(name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(load_settings(database_url=db_url, user="tester"), prepare=False)
    yield database
    database.engine.dispose()


@pytest.fixture
def session(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        yield s


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str) -> Callable[..., CliResult]:
    """Run the real command line in-process against this test's database."""
    from eits_tracker.cli import main

    def run(*args: str, url: str | None = None) -> CliResult:
        capsys.readouterr()
        code = main(["--database-url", url or db_url, "--user", "tester", *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
