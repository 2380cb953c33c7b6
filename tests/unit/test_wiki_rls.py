"""The wiki's rules held by PostgreSQL itself: logins with plain SQL (no eits-tracker code on their side)
read every page, and write only what migration 0006 lets them. PostgreSQL only."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from pg_helpers import MADE_LOGINS, connect_as

from eits_tracker.config import load_settings
from eits_tracker.db.setup import open_database
from eits_tracker.tracking import municipalities as munis
from eits_tracker.users import add_user
from eits_tracker.wiki.pages import PageInput, create_page

pytestmark = pytest.mark.postgres

INSERT = (
    "INSERT INTO wiki_page (slug, title, body, tags, modules, measures, author, municipality_id, created_at, "
    "created_by, updated_at, updated_by, version) VALUES (%s, 'T', '', '[]', '[]', '[]', 'x', %s, now(), "
    "current_user, now(), current_user, 1)"
)


def test_logins_read_every_page_and_write_only_their_share(pg_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    contact, viewer = f"eits_w_{tag}_c", f"eits_w_{tag}_v"
    MADE_LOGINS.extend([contact, viewer])
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

    with connect_as(pg_url, viewer) as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM wiki_page")] == ["Tartu kord"]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(INSERT, ("vaataja", None))
    with connect_as(pg_url, contact) as conn:
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
