"""Fixtures for the terminal app: a demo database (built once, copied per test), a fixed clock, helpers
that wait for the app's thread workers instead of sleeping."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from eits_tracker.config import load_settings
from eits_tracker.db.setup import open_database

#: The demo data ends here and the app's clock stands here: the dashboard's "last quarter" is 2026Q3.
DEMO_END = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from eits_tracker.tracking.demo import generate

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    with db.session() as s:
        generate(s, seed=2026, end=DEMO_END)
        s.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app() -> Callable[..., Any]:
    """The real app on a given database, fixed clock, user 'tester'."""
    from eits_tracker.tui.app import EitsApp

    def make(url: str, lang: str = "en", **settings: Any) -> EitsApp:
        return EitsApp(load_settings(database_url=url, language=lang, user="tester", **settings), clock=lambda: NOW)

    yield make
    from eits_tracker.tui.i18n import set_language

    set_language("en")


@pytest.fixture
def network(demo_url: str) -> Iterator[dict[str, Any]]:
    """Mentor 'Tester Mentor' (login tester, Tartu) → Kihnu vald since September, with one session
    that left two open follow-ups: one overdue (due 2026-11-20), one due in December."""
    from eits_tracker.mentoring import assignments, people, sessions
    from eits_tracker.tracking import municipalities as munis

    db = open_database(load_settings(database_url=demo_url), prepare=False)
    with db.session() as s:
        me = people.add_person(
            s,
            name="Tester Mentor",
            email="tester@tartu.ee",
            municipality="Tartu linn",
            login="tester",
            roles=["mentor"],
        )
        a = assignments.assign(
            s,
            mentor=me,
            municipality=munis.find_municipality(s, "Kihnu vald"),
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
            focus=["ORP.4", "CON.3"],
            goal="ORP.4 ja CON.3 põhimeetmed rakendatud",
            actor="setup",
        )
        done = sessions.record_session(
            s,
            sessions.SessionInput(
                municipality="Kihnu vald",
                held_at=datetime(2026, 10, 15, 8, tzinfo=UTC),
                duration_minutes=90,
                format="on_site",
                participants=["Kihnu vallasekretär"],
                modules=["ORP.4"],
                notes="## Paroolid\n\n- Paroolipoliitika puudub",
                followups=[
                    sessions.NewFollowUp("Koostada paroolipoliitika", date(2026, 11, 20), "ORP.4.M1", "Vallasekretär"),
                    sessions.NewFollowUp("Varukoopiate taastetest", date(2026, 12, 20), "CON.3.M2", "IT-partner"),
                ],
            ),
            actor="tester",
            now=datetime(2026, 10, 15, 10, tzinfo=UTC),
        )
        s.commit()
        info = {
            "db": db,
            "assignment_id": a.id,
            "municipality_id": a.municipality_id,
            "session_id": done.session.id,
            "followups": [f.id for f in done.followups],
        }
    yield info
    db.engine.dispose()
