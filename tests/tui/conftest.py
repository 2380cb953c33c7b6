"""Fixtures for the terminal app: a demo database (built once, copied per test), a fixed clock, helpers
that wait for the app's thread workers instead of sleeping."""

from __future__ import annotations

import shutil
from collections.abc import Callable
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
