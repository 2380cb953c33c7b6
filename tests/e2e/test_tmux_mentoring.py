"""A mentor records a session in the real app (tmux), quits, starts it again and finds the
session's two follow-ups on the home screen and in the municipality's session log."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eits_tracker.config import load_settings
from eits_tracker.db.setup import open_database
from eits_tracker.mentoring import assignments, people
from eits_tracker.timeutil import TALLINN, utcnow
from eits_tracker.tracking import municipalities as munis

pytestmark = pytest.mark.e2e

USER = "e2e-kadri"
FIRST = "Kirjutada paroolipoliitika"
SECOND = "Koolitada vallamaja töötajaid"


def _network(path: Path) -> None:
    """Kadri (login e2e-kadri, Tartu) mentors Kihnu vald from two months ago for half a year."""
    today = utcnow().astimezone(TALLINN).date()
    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    with db.session() as s:
        kadri = people.add_person(
            s, name="Kadri Tamm", email="kadri.tamm@tartu.ee", municipality="Tartu linn", login=USER
        )
        assignments.assign(
            s,
            mentor=kadri,
            municipality=munis.find_municipality(s, "Kihnu vald"),
            start=today - timedelta(days=60),
            end=today + timedelta(days=180),
            focus=["ORP.4"],
            goal="ORP.4 põhimeetmed",
            actor="e2e",
        )
        s.commit()
    db.engine.dispose()


def _home(term: Any) -> str:
    term.wait_for("Municipalities: 79", timeout=30, what="the dashboard")
    term.press("m")
    return term.wait_for(lambda s: "Mentor: Kadri Tamm" in s and "Kihnu vald" in s, what="the mentor's home")


def test_record_a_session_with_two_follow_ups_and_find_them_after_a_restart(terminal: Any, prepared_db: Path) -> None:
    _network(prepared_db)
    url = f"sqlite:///{prepared_db}"
    term = terminal(140, 45)
    run = term.launch("--database-url", url, "--user", USER, "--lang", "en")
    _home(term)
    term.press("n")
    term.wait_for("New session: Kadri Tamm → Kihnu vald", what="the session form")
    term.wait_for(lambda s: "ORP.4" in s and "Minutes" in s, what="the form filled from the assignment")

    def typed(text: str) -> None:
        # Keys sent together with text in one burst reach the app as one paste (tabs included):
        # wait until the text is on the screen, as a person would, before the next key.
        term.type(text)
        term.wait_for(text, what=f"{text!r} typed")

    def tab(times: int) -> None:
        # One at a time, each seen to move the focus (the focused border changes colour): tabs that
        # reach the app in one burst count as pasted text.
        for _ in range(times):
            before = term.screen(styled=True)
            term.press("Tab")
            term.wait_for(lambda _s, b=before: term.screen(styled=True) != b, what="the focus moved")

    # When (prefilled) → Minutes → Format → People
    tab(3)
    typed("Kihnu vallasekretär")
    # People → Modules → Measures → Notes
    tab(3)
    typed("## Arutatud")
    term.press("Enter")
    typed("* paroolid ja kontod")
    # Notes → change measure → status → Add → changes → follow-up description
    tab(5)
    for description, measure, owner, due in (
        (FIRST, "ORP.4.M1", "Vallasekretär", "2027-01-15"),
        (SECOND, "", "", "2027-02-28"),
    ):
        typed(description)
        tab(1)
        if measure:
            typed(measure)
        tab(1)
        if owner:
            typed(owner)
        tab(1)
        typed(due)
        term.press("Enter")
        term.wait_for(
            lambda s, d=description: any(line.startswith(f" {d}") for line in s.split("\n")),
            what=f"the follow-up {description!r} in the list",
        )
    term.press("C-s")
    term.wait_for("Session recorded: 0 status change(s), 2 follow-up(s)", what="the session saved")
    term.wait_for(lambda s: "Mentor: Kadri Tamm" in s, what="back on the mentor's home")
    term.press("q")
    assert term.wait_exit(run) == 0

    with sqlite3.connect(prepared_db) as conn:
        rows = conn.execute(
            "SELECT f.description, f.measure_code, f.owner, f.due_date, f.state, s.participants, s.notes "
            "FROM follow_up f JOIN mentor_session s ON s.id = f.session_id ORDER BY f.id"
        ).fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (FIRST, "ORP.4.M1", "Vallasekretär", "2027-01-15", "open"),
        (SECOND, None, "", "2027-02-28", "open"),
    ]
    assert json.loads(rows[0][5]) == ["Kihnu vallasekretär"] and "paroolid ja kontod" in rows[0][6]

    # A restart: the follow-ups are on the home screen and in the session log.
    run = term.launch("--database-url", url, "--user", USER, "--lang", "en")
    screen = _home(term)
    assert FIRST in screen and SECOND in screen
    term.press("l")
    screen = term.wait_for(lambda s: "Sessions of Kihnu vald: 1" in s, what="the session log")
    term.wait_for(
        lambda s: "paroolid ja kontod" in s and FIRST in s and SECOND in s, what="the session and its follow-ups"
    )
    term.press("q")
    assert term.wait_exit(run) == 0
