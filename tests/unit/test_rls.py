"""Permissions held by PostgreSQL itself: two users connect with their own logins and plain SQL
(no eits-tracker code on their side) and each sees and changes only what they may.

Runs on PostgreSQL only (row-level security has no SQLite counterpart; there the local user
owns the file). In CI EITS_TEST_POSTGRES_URL is required, so these run there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from pg_helpers import MADE_LOGINS, connect_as, url_as
from sqlalchemy import select, text

from eits_tracker.access import NotPermitted
from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import Database, open_database
from eits_tracker.mentoring import assignments
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status
from eits_tracker.users import add_user

pytestmark = pytest.mark.postgres


def _setup(url: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    admin = open_database(load_settings(database_url=url, user="admin-test"), prepare=False)
    today = datetime.now(UTC).date()
    info: dict[str, Any] = {"contact": f"eits_t_{tag}_c", "mentor": f"eits_t_{tag}_m"}
    MADE_LOGINS.extend([info["contact"], info["mentor"]])
    with admin.session() as s:
        kihnu = munis.find_municipality(s, "Kihnu vald")
        rapla = munis.find_municipality(s, "Rapla vald")
        tallinn = munis.find_municipality(s, "Tallinn")
        add_user(
            s,
            login=info["contact"],
            name="Kihnu Kontakt",
            email=f"{tag}c@kihnu.ee",
            roles=["contact"],
            municipality="Kihnu vald",
        )
        mentor = add_user(
            s,
            login=info["mentor"],
            name="Tartu Mentor",
            email=f"{tag}m@tartu.ee",
            roles=["mentor"],
            municipality="Tartu linn",
        )
        assignments.assign(
            s,
            mentor=mentor,
            municipality=rapla,
            start=today - timedelta(days=30),
            end=today + timedelta(days=30),
            actor="admin",
        )
        for muni in (kihnu, rapla, tallinn):
            set_status(
                s,
                municipality=muni,
                measure_code="ISMS.1.M1",
                status="partial",
                actor="admin",
                note=f"{muni.name} märge",
            )
        s.commit()
        info.update(kihnu=kihnu.id, rapla=rapla.id, tallinn=tallinn.id)
        info["tallinn_target"] = munis.default_target(s, tallinn).id
        info["kihnu_target"] = munis.default_target(s, kihnu).id
    admin.engine.dispose()
    return info


def test_each_login_sees_and_changes_only_what_it_may(pg_url: str) -> None:
    info = _setup(pg_url)
    with connect_as(pg_url, info["contact"]) as conn:
        seen = {r[0] for r in conn.execute("SELECT DISTINCT municipality_id FROM status_history")}
        assert seen == {info["kihnu"]}
        notes = {r[0] for r in conn.execute("SELECT note FROM measure_status")}
        assert notes == {"Kihnu vald märge"}
        # Another municipality's status is invisible, so an UPDATE of it touches nothing.
        cur = conn.execute(
            "UPDATE measure_status SET note = 'x' WHERE target_object_id = %s", (info["tallinn_target"],)
        )
        assert cur.rowcount == 0
        # Its own status: allowed.
        cur = conn.execute(
            "UPDATE measure_status SET note = 'kontakt muutis' WHERE target_object_id = %s", (info["kihnu_target"],)
        )
        assert cur.rowcount == 1
        conn.commit()
        insert = (
            "INSERT INTO status_history (status_id, municipality_id, target_object_id, measure_code, edition_key, "
            "changed_at, changed_by, source, new_status, note, changes) "
            "SELECT id, %s, target_object_id, 'ISMS.1.M1', '2024', now(), %s, 'psql', 'implemented', '', '{}' "
            "FROM measure_status WHERE target_object_id = %s"
        )
        conn.execute(insert, (info["kihnu"], info["contact"], info["kihnu_target"]))  # own, own name: fine
        conn.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # under someone else's name
            conn.execute(insert, (info["kihnu"], "admin", info["kihnu_target"]))
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # another municipality's history
            conn.execute(
                "INSERT INTO status_history (status_id, municipality_id, target_object_id, measure_code, edition_key, "
                "changed_at, changed_by, source, new_status, note, changes) VALUES "
                "(1, %s, %s, 'ISMS.1.M1', '2024', now(), %s, 'psql', 'implemented', '', '{}')",
                (info["tallinn"], info["tallinn_target"], info["contact"]),
            )
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no DELETE for anyone but the owner
            conn.execute("DELETE FROM measure_status")
        conn.rollback()
        # History is append-only: no policy lets a user update it, not even their own rows …
        cur = conn.execute("UPDATE status_history SET note = 'x' WHERE changed_by = %s", (info["contact"],))
        assert cur.rowcount == 0
        conn.rollback()
    with connect_as(pg_url, info["mentor"]) as conn:
        seen = {r[0] for r in conn.execute("SELECT DISTINCT municipality_id FROM status_history")}
        assert seen == {info["rapla"]}  # the mentee under an active assignment, not Kihnu or Tallinn
        assert conn.execute("SELECT count(*) FROM person").fetchone()[0] >= 2  # the directory is readable
        cur = conn.execute("UPDATE measure_status SET note = 'x' WHERE target_object_id = %s", (info["kihnu_target"],))
        assert cur.rowcount == 0
        conn.rollback()
    # What the contact wrote is there, under their name; the refused writes are not.
    admin = open_database(load_settings(database_url=pg_url), prepare=False)
    with admin.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE status_history SET note = 'x'"))  # … and the trigger stops even the owner
    with admin.session() as s:
        rows = s.execute(
            select(m.StatusHistory.municipality_id, m.StatusHistory.changed_by).where(m.StatusHistory.source == "psql")
        ).all()
        assert rows == [(info["kihnu"], info["contact"])]
    admin.engine.dispose()


def test_the_app_under_a_login_applies_the_same_rules(pg_url: str) -> None:
    info = _setup(pg_url)
    as_contact = url_as(pg_url, info["contact"])
    db: Database = open_database(load_settings(database_url=as_contact, user="spoofed"), prepare=False)
    try:
        assert db.access.login == info["contact"] and not db.access.is_admin
        assert db.actor == info["contact"]  # --user cannot put another name into the history
        with db.session() as s:
            kihnu = s.get(m.Municipality, info["kihnu"])
            tallinn = s.get(m.Municipality, info["tallinn"])
            set_status(s, municipality=kihnu, measure_code="ISMS.1.M2", status="implemented", actor=db.actor)
            s.commit()
            with pytest.raises(NotPermitted, match="may not change the statuses of Tallinn"):
                set_status(s, municipality=tallinn, measure_code="ISMS.1.M2", status="implemented", actor=db.actor)
            from eits_tracker.tracking.maturity import dashboard_rows

            assert [r.municipality_id for r in dashboard_rows(s, previous=False)] == [info["kihnu"]]
    finally:
        db.engine.dispose()
    other = open_database(load_settings(database_url=as_contact), prepare=False)
    with pytest.raises(NotPermitted), other.session() as s:
        add_user(s, login="eits_t_x", name="X", email="x@x.ee", roles=["specialist"])
    other.engine.dispose()


def test_status_snapshots_are_read_like_the_history_and_written_by_administrators(pg_url: str) -> None:
    """Migration 0007: a contact reads the kept statuses of their own municipality only, cannot write
    or change any (others trust them without replaying the history), and reading a past quarter in
    the app gives them the same numbers while keeping nothing."""
    from eits_tracker.tracking import maturity as mat

    info = _setup(pg_url)
    at = mat.quarter_end("2026Q1")
    admin = open_database(load_settings(database_url=pg_url, user="admin-test"), prepare=False)
    with admin.session() as s:
        for mid in (info["kihnu"], info["tallinn"]):
            set_status(
                s,
                municipality=s.get(m.Municipality, mid),
                measure_code="ISMS.1.M2",
                status="implemented",
                actor="admin",
                changed_at=datetime(2026, 2, 10, tzinfo=UTC),
            )
        kihnu = s.get(m.Municipality, info["kihnu"])
        late = datetime(2025, 11, 1, tzinfo=UTC)  # in 2025Q4, which only the contact asks about
        set_status(s, municipality=kihnu, measure_code="ORP.1.M1", status="partial", actor="admin", changed_at=late)
        s.commit()
        as_admin = mat.maturity_all(s, at=at)
    with admin.session() as s:
        kept = dict(s.execute(select(m.StatusSnapshot.municipality_id, m.StatusSnapshot.id)).all())
    assert set(kept) == {info["kihnu"], info["tallinn"]}
    with connect_as(pg_url, info["contact"]) as conn:
        seen = {r[0] for r in conn.execute("SELECT municipality_id FROM status_snapshot")}
        assert seen == {info["kihnu"]}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO status_snapshot (municipality_id, at, history_count, history_max_id, statuses, made_at) "
                "VALUES (%s, %s, 1, 1, '{}', now())",
                (info["kihnu"], at - timedelta(days=90)),
            )
        conn.rollback()
        assert conn.execute("UPDATE status_snapshot SET statuses = '{}'").rowcount == 0
        conn.rollback()
    as_contact = url_as(pg_url, info["contact"])
    db = open_database(load_settings(database_url=as_contact), prepare=False)
    try:
        with db.session() as s:
            mine = mat.maturity_all(s, at=at, municipality_ids=[info["kihnu"]])
            assert mine[info["kihnu"]] == as_admin[info["kihnu"]]
            earlier = mat.maturity_all(s, at=mat.quarter_end("2025Q4"), municipality_ids=[info["kihnu"]])
            assert earlier[info["kihnu"]].counts["partial"] == 1  # computed, and not kept:
    finally:
        db.engine.dispose()
    with admin.session() as s:
        rows = s.execute(select(m.StatusSnapshot.municipality_id, m.StatusSnapshot.id)).all()
        assert sorted(rows) == sorted(kept.items())
    admin.engine.dispose()
