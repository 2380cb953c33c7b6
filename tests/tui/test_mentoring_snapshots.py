"""Snapshots of the mentor network's screens (see test_snapshots.py for how to update them).

The pictures use the demo database plus the ``network`` fixture: mentor 'Tester Mentor' (the
app's user) → Kihnu vald, one session with two open follow-ups, one overdue.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import dashboard, steady, until

LANGS = ["en", "et"]


async def _home(pilot: Any) -> Any:
    from eits_tracker.tui.screens.mentor_home import MentorHomeScreen

    await dashboard(pilot)
    await pilot.press("m")
    await until(pilot, lambda: isinstance(pilot.app.screen, MentorHomeScreen) and pilot.app.screen.loaded)
    return pilot.app.screen


@pytest.mark.parametrize("lang", LANGS)
def test_mentor_home(snap_compare: Any, make_app: Any, demo_url: str, network: Any, lang: str) -> None:
    """Mentor home of Tester Mentor: one mentee, Kihnu vald, with the assignment period, basic fulfilment at
    the start and now, focus-module progress, 1 session of 1.5 h, 2 open and 1 overdue follow-up; the goal
    line; below, the two follow-ups soonest first, the overdue one red with (-7 d)."""

    async def run_before(pilot: Any) -> None:
        await _home(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(140, 30), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_session_form_filled(snap_compare: Any, make_app: Any, demo_url: str, network: Any, lang: str) -> None:
    """Session form for Kihnu vald: time an hour before the clock, 90 minutes, on site, a participant, focus
    modules with the title hint of the last one, one measure with its title, the notes in the Markdown editor,
    one agreed change in the list; footer: save, preview, close (keeps draft)."""

    async def run_before(pilot: Any) -> None:
        from eits_tracker.tui.screens.session_form import SessionFormScreen

        await _home(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(pilot.app.screen, SessionFormScreen) and pilot.app.screen.ctx)
        form = pilot.app.screen
        form.query_one("#sf-duration", Input).value = "90"
        form.query_one("#sf-format").value = "on_site"
        form.query_one("#sf-participants", Input).value = "Kihnu vallasekretär, IT-partner"
        form.query_one("#sf-measures", Input).value = "ORP.4.M1"
        form.query_one("#sf-notes", TextArea).text = "## Arutatud\n\n- Paroolipoliitika **kinnitatud**\n- Varundus"
        form.changes = [["ORP.4.M1", "implemented"]]
        form.refill_lists()
        form.query_one("#sf-modules", Input).focus()
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 45), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_session_log(snap_compare: Any, make_app: Any, demo_url: str, network: Any, lang: str) -> None:
    """Session log of Kihnu vald: its sessions newest first (date, mentor, format, minutes, changes,
    follow-ups), the highlighted session's detail on the right (heading, participants, notes, follow-ups),
    the municipality's follow-ups at the bottom with state, the overdue one red."""

    async def run_before(pilot: Any) -> None:
        from eits_tracker.tui.screens.session_log import SessionLogScreen

        await _home(pilot)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, SessionLogScreen) and pilot.app.screen.loaded)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(130, 36), run_before=run_before)
