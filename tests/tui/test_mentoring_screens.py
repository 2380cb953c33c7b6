"""The mentor network in the terminal app (Pilot): the mentor's home, the session form with its
draft, the session log, and the dashboard's mentors and overdue follow-ups.

Each test builds its own small network on a copy of the demo database, with the app's user
('tester') as the mentor, and asserts on the rows the app wrote.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from textual.widgets import Input, Label, TextArea
from tui_helpers import dashboard, settle, until

from eits_tracker.db import models as m
from eits_tracker.db.setup import Database
from eits_tracker.mentoring import people
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import status_overview
from eits_tracker.tui.rowtable import RowTable

SIZE = (150, 50)
#: The tests' clock (tests/tui/conftest.py NOW): 2026-11-27 12:00 in Tallinn.
TODAY = date(2026, 11, 27)


def count(db: Database, table: Any, *where: Any) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(table).where(*where)) or 0


async def mentor_home(pilot: Any) -> Any:
    from eits_tracker.tui.screens.mentor_home import MentorHomeScreen

    await dashboard(pilot)
    await pilot.press("m")
    await until(pilot, lambda: isinstance(pilot.app.screen, MentorHomeScreen) and pilot.app.screen.loaded)
    await settle(pilot)
    return pilot.app.screen


async def session_form(pilot: Any) -> Any:
    from eits_tracker.tui.screens.session_form import SessionFormScreen

    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, SessionFormScreen) and pilot.app.screen.ctx is not None)
    await settle(pilot)
    return pilot.app.screen


async def type_into(pilot: Any, screen: Any, wid: str, text: str, *, clear: bool = True) -> None:
    widget = screen.query_one(f"#{wid}")
    widget.focus()
    await pilot.pause()
    if clear and isinstance(widget, Input):
        widget.value = ""
    await pilot.press(*text)


# --- the mentor's home ------------------------------------------------------------------------


async def test_mentor_home_shows_my_mentees_and_follow_ups(make_app: Any, demo_url: str, network: Any) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        screen = await mentor_home(pilot)
        assert "Tester Mentor" in str(screen.query_one("#mh-title", Label).render())
        mentees = screen.query_one("#mh-mentees", RowTable)
        assert mentees.row_keys == [str(network["assignment_id"])]
        key = str(network["assignment_id"])
        assert mentees.cell(key, "name") == "Kihnu vald"
        assert mentees.cell(key, "sessions") == "1"
        assert mentees.cell(key, "hours") == "1.5"
        assert mentees.cell(key, "open") == "2"
        assert mentees.cell(key, "overdue") == "1"
        assert "ORP.4 ja CON.3" in str(screen.query_one("#mh-goal", Label).render())
        followups = screen.query_one("#mh-followups", RowTable)
        overdue, later = network["followups"]
        assert followups.row_keys == [str(overdue), str(later)]  # soonest due first
        assert followups.cell(str(overdue), "due").startswith("2026-11-20 (-7 d)")


async def test_follow_up_done_from_home_is_saved(make_app: Any, demo_url: str, network: Any) -> None:
    overdue, _later = network["followups"]
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        screen = await mentor_home(pilot)
        screen.query_one("#mh-followups", RowTable).focus()
        await pilot.press("d")
        await until(pilot, lambda: screen.query_one("#mh-followups", RowTable).row_count == 1)
    with network["db"].session() as s:
        f = s.get(m.FollowUp, overdue)
        assert (f.state, f.closed_by) == ("done", "tester")


async def test_without_a_linked_mentor_the_home_asks_to_choose(make_app: Any, demo_url: str, network: Any) -> None:
    from sqlalchemy import text

    with network["db"].session() as s:  # the app's user ('tester') no longer maps to the mentor
        s.execute(text("UPDATE person SET login = 'someone-else' WHERE login = 'tester'"))
        s.commit()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await mentor_home(pilot)
        assert screen.mentor_id is None
        assert screen.query_one("#mh-mentees", RowTable).row_count == 0
        with network["db"].session() as s:
            tester = people.find_person(s, "tester@tartu.ee").id  # picked by hand
        screen.query_one("#mh-mentor").value = tester  # as if picked from the list
        await until(pilot, lambda: screen.query_one("#mh-mentees", RowTable).row_count == 1)


# --- the session form -------------------------------------------------------------------------


async def test_record_a_session_with_a_change_two_follow_ups_and_a_closed_one(
    make_app: Any, demo_url: str, network: Any
) -> None:
    db = network["db"]
    overdue, _later = network["followups"]
    history_before = count(db, m.StatusHistory)
    with db.session() as s:
        current = {r.code: r.status for r in status_overview(s, munis.find_municipality(s, "Kihnu vald"))}
    agreed = "partial" if current["ORP.4.M1"] == "implemented" else "implemented"
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        form = await session_form(pilot)
        # The form starts from the assignment: its focus modules, a time an hour ago, video, 60 min.
        assert form.query_one("#sf-modules", Input).value == "ORP.4, CON.3"
        assert form.query_one("#sf-when", Input).value == "2026-11-27 11:00"
        await type_into(pilot, form, "sf-participants", "Kihnu vallasekretär")
        await type_into(pilot, form, "sf-measures", "ORP.4.M")
        assert "ORP.4.M1" in str(form.query_one("#sf-measures-hint", Label).render())
        await pilot.press("right")  # take the completion
        assert form.query_one("#sf-measures", Input).value.startswith("ORP.4.M1")
        form.query_one("#sf-notes", TextArea).text = "## Arutatud\n\n- paroolipoliitika kinnitatud"
        await type_into(pilot, form, "sf-change-measure", "ORP.4.M1")
        form.query_one("#sf-change-status").value = agreed  # measure + status: added at once
        await pilot.pause()
        assert form.changes == [["ORP.4.M1", agreed]]
        for description, due in (("Teavitada töötajaid", "2026-12-15"), ("Auditeerida kontosid", "2027-01-31")):
            await type_into(pilot, form, "sf-fu-description", description)
            await type_into(pilot, form, "sf-fu-due", due)
            await pilot.press("enter")
        assert [f["description"] for f in form.followups] == ["Teavitada töötajaid", "Auditeerida kontosid"]
        # The overdue follow-up of the last session is carried into this form: mark it done.
        carried = form.query_one("#sf-open", RowTable)
        assert {str(f) for f in network["followups"]} <= set(carried.row_keys)
        carried.focus()
        carried.move_to(str(overdue))
        await pilot.press("space")
        assert form.closings == {str(overdue): ["done", ""]}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.is_attached is False)
    with db.session() as s:
        recorded = s.scalars(select(m.MentorSession).order_by(m.MentorSession.id.desc())).first()
        assert recorded.id != network["session_id"]
        assert recorded.participants == ["Kihnu vallasekretär"]
        assert "ORP.4.M1" in recorded.measures
        assert recorded.recorded_by == "tester"
        history = s.scalars(select(m.StatusHistory).where(m.StatusHistory.session_id == recorded.id)).all()
        assert [(h.measure_code, h.new_status, h.source) for h in history] == [("ORP.4.M1", agreed, "session")]
        new = s.scalars(select(m.FollowUp).where(m.FollowUp.session_id == recorded.id).order_by(m.FollowUp.id)).all()
        assert [(f.description, f.due_date) for f in new] == [
            ("Teavitada töötajaid", date(2026, 12, 15)),
            ("Auditeerida kontosid", date(2027, 1, 31)),
        ]
        closed = s.get(m.FollowUp, overdue)
        assert (closed.state, closed.closed_in_session_id) == ("done", recorded.id)
        assert s.scalar(select(func.count()).select_from(m.Draft)) == 0
    assert count(db, m.StatusHistory) == history_before + 1


async def test_a_refused_session_keeps_the_form_and_writes_nothing(make_app: Any, demo_url: str, network: Any) -> None:
    db = network["db"]
    before = count(db, m.MentorSession), count(db, m.FollowUp), count(db, m.StatusHistory)
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        form = await session_form(pilot)
        await type_into(pilot, form, "sf-when", "2026-08-15 10:00")  # before the assignment started
        await type_into(pilot, form, "sf-fu-description", "Midagi")
        await type_into(pilot, form, "sf-fu-due", "2026-09-01")
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "outside" in str(form.query_one("#sf-error", Label).render()))
        assert pilot.app.screen is form
        assert form.followups[0]["description"] == "Midagi"  # nothing typed is lost
    assert (count(db, m.MentorSession), count(db, m.FollowUp), count(db, m.StatusHistory)) == before


async def test_a_form_closed_by_accident_keeps_its_draft(make_app: Any, demo_url: str, network: Any) -> None:
    db = network["db"]
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        form = await session_form(pilot)
        await type_into(pilot, form, "sf-participants", "Mari Maasikas")
        form.query_one("#sf-notes", TextArea).text = "Pooleli märkmed"
        await type_into(pilot, form, "sf-fu-description", "Pooleli järelmeede")  # typed, not yet added
        await pilot.press("escape")
        await until(pilot, lambda: count(db, m.Draft) == 1)
    # A new app (a restart): the same form comes back as it was.
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        form = await session_form(pilot)
        assert form.query_one("#sf-participants", Input).value == "Mari Maasikas"
        assert form.query_one("#sf-notes", TextArea).text == "Pooleli märkmed"
        assert form.query_one("#sf-fu-description", Input).value == "Pooleli järelmeede"
        await pilot.press("f8")
        await pilot.press("ctrl+s")  # the confirmation dialog's submit
        await until(pilot, lambda: count(db, m.Draft) == 0)
        await settle(pilot)
        assert form.query_one("#sf-participants", Input).value == ""


async def test_dropping_a_carried_follow_up_asks_why(make_app: Any, demo_url: str, network: Any) -> None:
    from eits_tracker.tui.screens.dialogs import TextDialog

    _overdue, later = network["followups"]
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        form = await session_form(pilot)
        carried = form.query_one("#sf-open", RowTable)
        carried.focus()
        carried.move_to(str(later))
        await pilot.press("space", "space")  # done → dropped: asks for the reason
        await until(pilot, lambda: isinstance(pilot.app.screen, TextDialog))
        pilot.app.screen.query_one(TextArea).text = "Teenus viiakse pilve"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pilot.app.screen is form)
        assert form.closings == {str(later): ["dropped", "Teenus viiakse pilve"]}
        assert "dropped" in carried.cell(str(later), "state")


# --- the session log --------------------------------------------------------------------------


async def test_session_log_shows_sessions_and_their_detail(make_app: Any, demo_url: str, network: Any) -> None:
    from eits_tracker.tui.screens.session_log import SessionLogScreen

    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await mentor_home(pilot)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, SessionLogScreen) and pilot.app.screen.loaded)
        await settle(pilot)
        log = pilot.app.screen
        table = log.query_one("#log-sessions", RowTable)
        key = str(network["session_id"])
        assert key in table.row_keys
        table.move_to(key)
        await settle(pilot)
        text = log.query_one("#log-text").source
        assert "Paroolipoliitika puudub" in text
        assert "Koostada paroolipoliitika (ORP.4.M1), Vallasekretär, due 2026-11-20 — open" in text
        followups = log.query_one("#log-followups", RowTable)
        mine = [k for k in followups.row_keys if int(k) in network["followups"]]
        assert mine == [str(f) for f in network["followups"]]  # open ones, soonest due first


async def test_session_log_from_dashboard_and_drop_with_reason(make_app: Any, demo_url: str, network: Any) -> None:
    from eits_tracker.tui.screens.dialogs import TextDialog
    from eits_tracker.tui.screens.session_log import SessionLogScreen

    overdue, _later = network["followups"]
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("f", *"Kihnu", "enter", "l")
        await until(pilot, lambda: isinstance(pilot.app.screen, SessionLogScreen) and pilot.app.screen.loaded)
        log = pilot.app.screen
        log.query_one("#log-followups", RowTable).focus()
        log.query_one("#log-followups", RowTable).move_to(str(overdue))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(pilot.app.screen, TextDialog))
        pilot.app.screen.query_one(TextArea).text = "Vald ostab teenuse sisse"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "dropped" in log.query_one("#log-followups", RowTable).cell(str(overdue), "state"))
    with network["db"].session() as s:
        f = s.get(m.FollowUp, overdue)
        assert (f.state, f.reason) == ("dropped", "Vald ostab teenuse sisse")


# --- the dashboard ----------------------------------------------------------------------------


async def test_dashboard_shows_mentors_and_overdue_follow_ups(make_app: Any, demo_url: str, network: Any) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        screen = await dashboard(pilot)
        await until(pilot, lambda: bool(screen.mentoring))
        table = screen.query_one(RowTable)
        key = str(network["municipality_id"])
        assert "Tester Mentor" in table.cell(key, "mentors")
        assert table.cell(key, "overdue") == "1"
        while screen.sort_by != "overdue":
            await pilot.press("s")
        # most overdue first
        first = table.row_keys[0]
        assert int(table.cell(first, "overdue") or 0) >= 1
