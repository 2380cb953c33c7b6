"""The wiki's rules held by PostgreSQL itself: logins with plain SQL (no eits-tracker code on their side)
read every page, and write only what migration 0006 lets them. PostgreSQL only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eits_tracker.config import load_settings
from eits_tracker.db.engine import normalise_url
from eits_tracker.db.setup import open_database
from eits_tracker.tracking import municipalities as munis
from eits_tracker.users import add_user
from eits_tracker.wiki.pages import PageInput, create_page

pytestmark = pytest.mark.postgres
MADE: list[str] = []

INSERT = (
    "INSERT INTO wiki_page (slug, title, body, tags, modules, measures, author, municipality_id, created_at, "
    "created_by, updated_at, updated_by, version) VALUES (%s, 'T', '', '[]', '[]', '[]', 'x', %s, now(), "
    "current_user, now(), current_user, 1)"
)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    from pg_helpers import PG_URL, _pg_admin, _pg_base, pg_create, pg_drop

    if not PG_URL:
        pytest.skip("PostgreSQL only (set EITS_TEST_POSTGRES_URL)")
    template = request.getfixturevalue("pg_template")
    name = f"{_pg_base()}_wikirls_{uuid.uuid4().hex[:6]}"
    yield pg_create(name, template)
    pg_drop(name)
    engine = _pg_admin()
    with engine.connect() as conn:
        while MADE:
            conn.execute(text(f'DROP ROLE IF EXISTS "{MADE.pop()}"'))
    engine.dispose()


def _as(url: str, login: str) -> psycopg.Connection[Any]:
    u = make_url(normalise_url(url))
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, dbname=u.database, user=login)


def test_logins_read_every_page_and_write_only_their_share(pg_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    contact, viewer = f"eits_w_{tag}_c", f"eits_w_{tag}_v"
    MADE.extend([contact, viewer])
    admin = open_database(load_settings(database_url=pg_url, user="admin-test"), prepare=False)
    with admin.session() as s:
        kihnu = munis.find_municipality(s, "Kihnu vald").id
        tartu = munis.find_municipality(s, "Tartu linn").id
        add_user(s, login=contact, name="Kihnu Kontakt", email=f"{tag}c@kihnu.ee", roles=["contact"],
                 municipality="Kihnu vald")  # fmt: skip
        add_user(s, login=viewer, name="Vaataja", email=f"{tag}v@elvl.ee", roles=["viewer"])
        create_page(s, PageInput("Tartu kord", "x"), actor="admin", author="Kadri", municipality_id=tartu)
        s.commit()
    admin.engine.dispose()

    with _as(pg_url, viewer) as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM wiki_page")] == ["Tartu kord"]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(INSERT, ("vaataja", None))
    with _as(pg_url, contact) as conn:
        conn.execute(INSERT, ("kihnu-kogemus", kihnu))  # their own municipality's page
        conn.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(INSERT, ("voras", tartu))
        conn.rollback()
        # Another municipality's page is read, never changed: the UPDATE finds no row it may touch.
        assert conn.execute("UPDATE wiki_page SET body = 'z' WHERE slug = 'tartu-kord'").rowcount == 0
        # Revisions: no grant to change them at all (the trigger stops even the owner, test_wiki.py).
        for statement in ("DELETE FROM wiki_revision", "UPDATE wiki_revision SET body = 'z'"):
            conn.rollback()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
