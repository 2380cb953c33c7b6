"""PostgreSQL helpers shared by conftest.py and the tests that need their own databases or logins.

A module of its own (not conftest): ``from conftest import …`` in a test would find whichever
conftest.py is first on sys.path (tests/tui has one too).
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eits_tracker.db.engine import normalise_url

PG_URL = os.environ.get("EITS_TEST_POSTGRES_URL", "")
if os.environ.get("EITS_TEST_REQUIRE_POSTGRES") and not PG_URL:
    raise RuntimeError("EITS_TEST_REQUIRE_POSTGRES is set but EITS_TEST_POSTGRES_URL is not")


def _pg_admin():  # type: ignore[no-untyped-def]
    return create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def _pg_base() -> str:
    return (make_url(normalise_url(PG_URL)).database or "eits") + f"_{os.getpid()}"


def pg_create(name: str, template: str | None = None) -> str:
    engine = _pg_admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()
    return _pg_url(name)


def pg_drop(name: str) -> None:
    engine = _pg_admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


#: Logins made by the running test (roles are per cluster): dropped by the ``pg_url`` fixture.
MADE_LOGINS: list[str] = []


def drop_made_logins() -> None:
    engine = _pg_admin()
    with engine.connect() as conn:
        while MADE_LOGINS:
            conn.execute(text(f'DROP ROLE IF EXISTS "{MADE_LOGINS.pop()}"'))
    engine.dispose()


def url_as(url: str, login: str) -> str:
    """The same database under another login (trust authentication on the test server)."""
    return make_url(normalise_url(url)).set(username=login).render_as_string(hide_password=False)


def connect_as(url: str, login: str):  # type: ignore[no-untyped-def]
    """A plain psycopg connection under another login: no eits-tracker code on that side."""
    import psycopg

    u = make_url(normalise_url(url))
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, dbname=u.database, user=login)
