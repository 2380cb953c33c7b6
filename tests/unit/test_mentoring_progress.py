"""The mentor's home screen, the open follow-ups and the activity of a period, on a small network.

The network (all times UTC; Tallinn is UTC+2 until 29 March 2026, UTC+3 after):

    Tõnu Tamm (home Tartu linn)   → Väike-Maarja vald  2026-03-02..2026-12-31  focus CON.6, ORP.3, ORP.4
                                  → Võru linn          2026-01-10..2026-06-30  focus ORP.4
                                  → Rapla vald         2025-01-01..2025-12-31  (ended)
                                  → Tallinn            2026-09-01..2027-06-30  (not started)
    Šeila Sepp (home Pärnu linn)  → Võru linn          2026-04-01..2026-12-31  (Võru has two mentors)
                                  → Saue vald          2026-06-30..2026-09-30
                                  → Viljandi vald      2026-07-01..2026-12-31
                                  → Kehtna vald        2026-01-01..2026-04-01  (its last day is Q2's first)

Väike-Maarja works on three modules only — ORP.1 (basic M1 M2 M3 M4 M15), ORP.3 (M1 M3) and
CON.6 (M1 M2 M11 M12, high M14): 11 basic measures. Its assignment starts at 2026-03-01 22:00
UTC (midnight in Tallinn). By then ORP.1.M1-M3 are implemented and CON.6.M1 partial: basic
3.5/11, level 1. Later ORP.1.M4, ORP.1.M15, ORP.3.M1, CON.6.M1, CON.6.M2 are implemented and
ORP.3.M3 does not apply: basic 8/10, level 3. Its focus modules (ORP.4 is excluded there, so
it adds nothing): 0.5 of 6 at the start; now CON.6.M1, M2, ORP.3.M1 and the chosen high
CON.6.M14 are implemented and ORP.3.M3 is excluded: 4 of 6.

"Today" on the home screen is 2026-05-20; the period is 2026Q2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.mentoring.activity import mentoring_activity
from eits_tracker.mentoring.progress import day_start, mentee_progress, next_followups
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status

TODAY = date(2026, 5, 20)
Q2_START, Q2_END = mat.quarter_end("2026Q1"), mat.quarter_end("2026Q2")  # 2026-03-31 21:00, 2026-06-30 21:00 UTC
VM_SCOPE = ("ORP.1", "ORP.3", "CON.6")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def ident(row: Any) -> int:
    """The id of a row that has been flushed."""
    assert row.id is not None
    return int(row.id)


@dataclass
class Net:
    tonu: int  # person ids
    seila: int
    vm: m.Municipality
    voru: m.Municipality
    assignments: dict[str, m.Assignment]
    sessions: dict[str, m.MentorSession]
    followups: dict[str, m.FollowUp]
    voru_basic: int  # Võru's in-scope basic measures (its full KOV profile)


def _status(
    s: Session, mu: m.Municipality, code: str, status: str, when: datetime, sid: int | None = None, **kw: Any
) -> None:
    set_status(s, municipality=mu, measure_code=code, status=status, actor="t", changed_at=when, session_id=sid, **kw)


@pytest.fixture
def net(session: Session) -> Net:
    find = {n: munis.find_municipality(session, n) for n in ("Väike-Maarja vald", "Võru linn", "Rapla vald")}
    vm, voru, rapla = find.values()
    others = {n: munis.find_municipality(session, n) for n in ("Tallinn", "Saue vald", "Viljandi vald", "Kehtna vald")}
    for code in munis.applicable_modules(session, vm) - set(VM_SCOPE):
        munis.set_module_applicability(session, vm, code, applicable=False, reason="test scope", actor="t")
    tartu, parnu = munis.find_municipality(session, "Tartu linn"), munis.find_municipality(session, "Pärnu linn")
    tonu = m.Person(name="Tõnu Tamm", email="tonu@example.ee", municipality_id=tartu.id, roles=["mentor"])
    seila = m.Person(name="Šeila Sepp", email="seila@example.ee", municipality_id=parnu.id, roles=["mentor"])
    session.add_all([tonu, seila])
    session.flush()

    def assign(mentor: m.Person, mu: m.Municipality, start: date, end: date, focus: list[str]) -> m.Assignment:
        row = m.Assignment(
            mentor_id=ident(mentor), municipality_id=ident(mu), start_date=start, end_date=end, focus_modules=focus
        )
        session.add(row)
        return row

    a = {
        "vm": assign(tonu, vm, date(2026, 3, 2), date(2026, 12, 31), ["CON.6", "ORP.3", "ORP.4"]),
        "voru": assign(tonu, voru, date(2026, 1, 10), date(2026, 6, 30), ["ORP.4"]),
        "rapla": assign(tonu, rapla, date(2025, 1, 1), date(2025, 12, 31), []),
        "future": assign(tonu, others["Tallinn"], date(2026, 9, 1), date(2027, 6, 30), ["ORP.1"]),
        "voru2": assign(seila, voru, date(2026, 4, 1), date(2026, 12, 31), []),
        "saue": assign(seila, others["Saue vald"], date(2026, 6, 30), date(2026, 9, 30), []),
        "viljandi": assign(seila, others["Viljandi vald"], date(2026, 7, 1), date(2026, 12, 31), []),
        "kehtna": assign(seila, others["Kehtna vald"], date(2026, 1, 1), date(2026, 4, 1), []),
    }
    session.flush()

    def held(key: str, when: datetime, minutes: int) -> m.MentorSession:
        asg = a[key]
        row = m.MentorSession(
            assignment_id=ident(asg),
            municipality_id=asg.municipality_id,
            mentor_id=asg.mentor_id,
            held_at=when,
            duration_minutes=minutes,
            format="video",
        )
        session.add(row)
        return row

    s = {
        "s1": held("vm", utc(2026, 3, 10, 10), 90),
        "s2": held("vm", utc(2026, 5, 5, 9), 60),
        "s3": held("voru", utc(2026, 2, 1, 8), 45),
        "s4": held("voru2", utc(2026, 4, 15, 12), 120),
        "s5": held("rapla", utc(2025, 6, 1, 10), 30),
    }
    session.flush()

    def follow(key: str, due: date, state: str = "open", closed: datetime | None = None) -> m.FollowUp:
        origin = s[key]
        row = m.FollowUp(
            session_id=ident(origin),
            municipality_id=origin.municipality_id,
            description=f"task from {key} due {due}",
            owner="IT-juht",
            due_date=due,
            state=state,
            closed_at=closed,
            created_at=origin.held_at,
        )
        session.add(row)
        return row

    f = {
        "f1": follow("s1", date(2026, 5, 19)),  # yesterday: overdue
        "f2": follow("s2", date(2026, 5, 20)),  # today: not overdue
        "f3": follow("s2", date(2026, 7, 1)),  # the day the period ends: not overdue at its end
        "f4": follow("s1", date(2026, 4, 30), "done", utc(2026, 4, 20, 10)),
        "f5": follow("s3", date(2026, 3, 1)),
        "f6": follow("s4", date(2026, 4, 30)),  # Šeila's
        "f7": follow("s5", date(2025, 12, 1)),  # of the ended assignment
        "f8": follow("s3", date(2026, 5, 1), "dropped", utc(2026, 6, 1, 10)),
        "f9": follow("s1", date(2026, 6, 15), "done", utc(2026, 7, 2, 10)),  # closed after the period
    }
    session.flush()

    # Väike-Maarja: the start is 2026-03-01 22:00 UTC; a change at that very moment counts as before it.
    for code in ("ORP.1.M1", "ORP.1.M2"):
        _status(session, vm, code, "implemented", utc(2026, 2, 1, 9))
    _status(session, vm, "CON.6.M1", "partial", utc(2026, 3, 1, 21, 59))
    _status(session, vm, "ORP.1.M3", "implemented", utc(2026, 3, 1, 22))
    _status(session, vm, "ORP.3.M1", "implemented", utc(2026, 3, 1, 22, 1))  # 00:01 in Tallinn: after
    _status(session, vm, "ORP.1.M4", "implemented", utc(2026, 3, 10, 10, 30), s["s1"].id)
    for code in ("ORP.1.M15", "CON.6.M1", "CON.6.M2", "CON.6.M14"):
        _status(session, vm, code, "implemented", utc(2026, 5, 5, 9, 30), s["s2"].id)
    _status(session, vm, "ORP.3.M3", "not_applicable", utc(2026, 5, 5, 9, 30), s["s2"].id, justification="none")
    # Võru: one change agreed in Šeila's session, one outside any session.
    _status(session, voru, "ORP.4.M2", "partial", utc(2026, 4, 15, 12, 30), s["s4"].id)
    _status(session, voru, "ORP.4.M1", "implemented", utc(2026, 4, 20, 9))
    session.commit()

    assert mat.maturity_of(session, vm).in_scope["basic"] == 11
    voru_basic = mat.maturity_of(session, voru).in_scope["basic"]
    assert voru_basic > 100  # the full profile
    return Net(ident(tonu), ident(seila), vm, voru, a, s, f, voru_basic)


# --- the home screen -------------------------------------------------------------------


def test_home_screen_rows_of_a_mentor_with_two_mentees(session: Session, net: Net) -> None:
    rows = mentee_progress(session, mentor_id=net.tonu, today=TODAY)
    # Estonian order: õ before ä (Python's order would put Väike-Maarja first); no ended, no future ones.
    assert [r.name for r in rows] == ["Võru linn", "Väike-Maarja vald"]
    voru, vm = rows

    assert (vm.assignment_id, vm.municipality_id, vm.ehak_code) == (net.assignments["vm"].id, net.vm.id, "0928")
    assert (vm.start_date, vm.end_date, vm.active) == (date(2026, 3, 2), date(2026, 12, 31), True)
    assert vm.focus_modules == ("CON.6", "ORP.3", "ORP.4")
    assert (vm.basic_at_start, vm.level_at_start) == (3.5 / 11, 1)
    assert (vm.basic_now, vm.level_now) == (8 / 10, 3)
    assert vm.focus_at_start == pytest.approx(0.5 / 6, rel=1e-12)
    assert vm.focus_now == pytest.approx(4 / 6, rel=1e-12)
    assert (vm.sessions, vm.hours, vm.last_held_at) == (2, 2.5, utc(2026, 5, 5, 9))
    # f1 (due yesterday) is overdue, f2 (due today) is not; f4 and f9 are done.
    assert (vm.open_followups, vm.overdue_followups, vm.next_due) == (3, 1, date(2026, 5, 19))

    n = net.voru_basic
    assert (voru.basic_at_start, voru.level_at_start, voru.basic_now, voru.level_now) == (0.0, 0, 1.5 / n, 0)
    assert (voru.focus_at_start, voru.focus_now) == (0.0, pytest.approx(1.5 / 12, rel=1e-12))  # ORP.4: 12 basic
    assert (voru.sessions, voru.hours, voru.last_held_at) == (1, 0.75, utc(2026, 2, 1, 8))
    # Only f5: f8 was dropped, and f6 came from Šeila's session.
    assert (voru.open_followups, voru.overdue_followups, voru.next_due) == (1, 1, date(2026, 3, 1))


def test_ended_assignments_only_when_asked(session: Session, net: Net) -> None:
    rows = mentee_progress(session, mentor_id=net.tonu, today=TODAY, include_ended=True)
    assert [(r.name, r.active) for r in rows] == [
        ("Võru linn", True),
        ("Väike-Maarja vald", True),
        ("Rapla vald", False),
    ]
    rapla = rows[2]
    assert (rapla.sessions, rapla.hours, rapla.open_followups, rapla.overdue_followups) == (1, 0.5, 1, 1)
    assert (rapla.focus_at_start, rapla.focus_now, rapla.basic_now) == (None, None, 0.0)  # no focus modules
    # The last day of an assignment is still active; the day after, it has ended.
    assert [r.name for r in mentee_progress(session, mentor_id=net.tonu, today=date(2026, 6, 30))] == [
        "Võru linn",
        "Väike-Maarja vald",
    ]
    assert [r.name for r in mentee_progress(session, mentor_id=net.tonu, today=date(2026, 7, 1))] == [
        "Väike-Maarja vald"
    ]


def test_other_mentor_and_thresholds(session: Session, net: Net) -> None:
    rows = mentee_progress(session, mentor_id=net.seila, today=TODAY)
    assert [(r.name, r.sessions, r.hours, r.open_followups, r.overdue_followups) for r in rows] == [
        ("Võru linn", 1, 2.0, 1, 1)  # f6, due 30 April; Saue and Viljandi have not started
    ]
    # Both Võru changes came after 1 April, the start of her assignment.
    assert (rows[0].basic_at_start, rows[0].basic_now) == (0.0, 1.5 / net.voru_basic)
    low = mentee_progress(session, mentor_id=net.tonu, today=TODAY, thresholds=(0.1, 0.2, 0.3))
    assert [(r.level_at_start, r.level_now) for r in low] == [(0, 0), (3, 3)]
    assert mentee_progress(session, mentor_id=999_999, today=TODAY) == []


def test_next_followups_soonest_first(session: Session, net: Net) -> None:
    due = next_followups(session, mentor_id=net.tonu, today=TODAY)
    f = net.followups
    assert [d.id for d in due] == [f[k].id for k in ("f7", "f5", "f1", "f2", "f3")]  # f6 is Šeila's
    assert [(d.overdue, d.days_left) for d in due] == [(True, -170), (True, -80), (True, -1), (False, 0), (False, 42)]
    first = due[0]
    assert (first.municipality_id, first.municipality, first.owner, first.measure_code) == (
        f["f7"].municipality_id,
        "Rapla vald",
        "IT-juht",
        None,
    )
    assert (first.description, first.due_date) == ("task from s5 due 2025-12-01", date(2025, 12, 1))
    assert (first.session_id, first.held_at, first.version) == (net.sessions["s5"].id, utc(2025, 6, 1, 10), 1)
    assert [d.id for d in next_followups(session, mentor_id=net.tonu, today=TODAY, limit=2)] == [
        f["f7"].id,
        f["f5"].id,
    ]
    assert [d.id for d in next_followups(session, mentor_id=net.seila, today=TODAY)] == [f["f6"].id]


# --- the activity of a period ----------------------------------------------------------


def _edges(session: Session, net: Net) -> None:
    """A session at the very end of Q2 (outside), one at its very start (inside), and a later change."""
    held = {}
    for key, when, minutes in (("vm", Q2_END, 45), ("voru", Q2_START, 30)):
        asg = net.assignments[key]
        held[key] = m.MentorSession(
            assignment_id=ident(asg),
            municipality_id=asg.municipality_id,
            mentor_id=asg.mentor_id,
            held_at=when,
            duration_minutes=minutes,
            format="on_site",
        )
        session.add(held[key])
    session.flush()
    # Agreed in Väike-Maarja's session at the end of Q2, recorded a few days later.
    _status(session, net.vm, "CON.6.M11", "implemented", utc(2026, 7, 5, 9), ident(held["vm"]))
    session.commit()


def test_activity_of_a_quarter(session: Session, net: Net) -> None:
    _edges(session, net)
    got = mentoring_activity(session, start=Q2_START, end=Q2_END)
    assert (got.start, got.end) == (Q2_START, Q2_END)

    # Estonian order: Š before T.
    assert [r.name for r in got.mentors] == ["Šeila Sepp", "Tõnu Tamm"]
    seila, tonu = got.mentors
    assert (seila.person_id, seila.home, seila.sessions, seila.hours, seila.mentees, seila.assigned) == (
        net.seila,
        "Pärnu linn",
        1,
        2.0,
        1,
        3,  # Võru, Saue (from 30 June) and Kehtna (until 1 April); Viljandi starts on 1 July
    )
    assert (seila.followups_opened, seila.followups_done, seila.followups_dropped, seila.status_changes) == (1, 0, 0, 1)
    # s2 and the session at 00:00 on 1 April; not the one at 00:00 on 1 July. Rapla ended, Tallinn not started.
    assert (tonu.home, tonu.sessions, tonu.hours, tonu.mentees, tonu.assigned) == ("Tartu linn", 2, 1.5, 2, 2)
    # f2 and f3 opened; f4 done, f8 dropped (f9 closed after the end); the 5 changes agreed in s2.
    assert (tonu.followups_opened, tonu.followups_done, tonu.followups_dropped, tonu.status_changes) == (2, 1, 1, 5)

    assert [r.name for r in got.mentees] == ["Kehtna vald", "Saue vald", "Võru linn", "Väike-Maarja vald"]
    kehtna, saue, voru, vm = got.mentees
    assert (kehtna.mentors, kehtna.sessions, kehtna.baseline_at) == (("Šeila Sepp",), 0, utc(2025, 12, 31, 22))
    assert (saue.mentors, saue.sessions, saue.hours, saue.overdue_at_end) == (("Šeila Sepp",), 0, 0.0, 0)
    assert (saue.baseline_at, saue.basic_at_start, saue.basic_at_end, saue.basic_change) == (
        utc(2026, 6, 29, 21),
        0.0,
        0.0,
        0.0,
    )

    assert (voru.municipality_id, voru.ehak_code, voru.mentors) == (net.voru.id, "0919", ("Šeila Sepp", "Tõnu Tamm"))
    assert (voru.sessions, voru.hours, voru.status_changes) == (2, 2.5, 1)
    assert (voru.followups_opened, voru.followups_done, voru.followups_dropped) == (1, 0, 1)
    assert voru.overdue_at_end == 2  # f5 and f6; f8 was dropped before the end
    assert voru.baseline_at == utc(2026, 1, 9, 22)  # its earlier assignment, Tõnu's
    n = net.voru_basic
    assert (voru.basic_at_start, voru.level_at_start, voru.basic_at_end, voru.level_at_end) == (0.0, 0, 1.5 / n, 0)
    assert (voru.basic_change, voru.level_change) == (1.5 / n, 0)

    assert (vm.mentors, vm.sessions, vm.hours, vm.status_changes) == (("Tõnu Tamm",), 1, 1.0, 5)
    assert (vm.followups_opened, vm.followups_done, vm.followups_dropped) == (2, 1, 0)
    assert vm.overdue_at_end == 3  # f1, f2, and f9 (closed only after the end); f3 is due on the end's date
    assert vm.baseline_at == day_start(date(2026, 3, 2)) == utc(2026, 3, 1, 22)
    # As of the end, not now: CON.6.M11 came later (now it would be 9/10).
    assert mat.maturity_of(session, net.vm).fulfilment["basic"] == 9 / 10
    assert (vm.basic_at_start, vm.level_at_start, vm.basic_at_end, vm.level_at_end) == (3.5 / 11, 1, 8 / 10, 3)
    assert (vm.basic_change, vm.level_change) == (8 / 10 - 3.5 / 11, 2)

    t = got.totals
    assert (t.sessions, t.hours, t.followups_opened, t.followups_done, t.followups_dropped) == (3, 3.5, 3, 1, 1)
    assert t.status_changes == 6  # not the one in March (s1), nor the one outside a session, nor July's
    assert t.overdue_at_end == 6  # including Rapla's f7, whose assignment ended in 2025


def test_overdue_at_the_end_of_an_earlier_period(session: Session, net: Net) -> None:
    """At the end of March: f4 was still open then (closed 20 April), f6 did not exist yet."""
    late = m.FollowUp(
        session_id=ident(net.sessions["s3"]),
        municipality_id=ident(net.voru),
        description="recorded on 2 April, due in March",
        due_date=date(2026, 3, 20),
        created_at=utc(2026, 4, 2, 8),
    )
    session.add(late)
    session.commit()
    got = mentoring_activity(session, start=mat.quarter_end("2025Q4"), end=Q2_START)
    assert [r.name for r in got.mentees] == ["Kehtna vald", "Võru linn", "Väike-Maarja vald"]
    _kehtna, voru, vm = got.mentees
    assert (voru.overdue_at_end, voru.sessions, voru.mentors) == (1, 1, ("Tõnu Tamm",))  # f5, not the late one
    assert vm.overdue_at_end == 0  # f4 was due 30 April
    assert (vm.sessions, vm.hours, vm.followups_opened, vm.status_changes) == (1, 1.5, 3, 1)  # s1: f1 f4 f9, ORP.1.M4
    assert (vm.basic_at_end, vm.level_at_end) == (5.5 / 11, 2)
    assert got.totals.overdue_at_end == 2  # f5 and Rapla's f7
    assert [(r.name, r.sessions, r.assigned) for r in got.mentors] == [("Šeila Sepp", 0, 1), ("Tõnu Tamm", 2, 2)]


def test_a_mentor_without_sessions_in_the_period(session: Session, net: Net) -> None:
    """2026Q3: Tõnu held no session, but f9 of his March session was done on 2 July."""
    got = mentoring_activity(session, start=Q2_END, end=mat.quarter_end("2026Q3"))
    tonu = next(r for r in got.mentors if r.name == "Tõnu Tamm")
    assert (tonu.sessions, tonu.hours, tonu.mentees, tonu.assigned, tonu.followups_done) == (0, 0.0, 0, 2, 1)
    # Väike-Maarja and Tallinn (from 1 September) for Tõnu; Šeila: Võru, Saue, Viljandi.
    assert [r.name for r in got.mentees] == ["Saue vald", "Tallinn", "Viljandi vald", "Võru linn", "Väike-Maarja vald"]
    assert got.mentees[-1].overdue_at_end == 3  # f1, f2, f3; f9 was done before the end
    assert got.totals.followups_done == 1 and got.totals.sessions == 0


def test_followups_of_another_municipality_are_not_the_mentees(session: Session, net: Net) -> None:
    """A follow-up recorded in Väike-Maarja's session for another municipality is not Väike-Maarja's."""
    rapla = munis.find_municipality(session, "Rapla vald")
    s2 = net.sessions["s2"]
    session.add(
        m.FollowUp(session_id=ident(s2), municipality_id=ident(rapla), description="x", due_date=date(2026, 5, 1))
    )
    session.commit()
    rows = mentee_progress(session, mentor_id=net.tonu, today=TODAY)
    assert [(r.name, r.open_followups, r.overdue_followups) for r in rows] == [
        ("Võru linn", 1, 1),
        ("Väike-Maarja vald", 3, 1),
    ]
    assert len(next_followups(session, mentor_id=net.tonu, today=TODAY)) == 6


def test_a_period_must_not_end_before_it_starts(session: Session) -> None:
    with pytest.raises(ValidationError) as info:
        mentoring_activity(session, start=Q2_END, end=Q2_START)
    assert info.value.field == "end"
    empty = mentoring_activity(session, start=Q2_START, end=Q2_END)
    assert (empty.mentors, empty.mentees, empty.totals.sessions, empty.totals.hours) == ((), (), 0, 0.0)


def test_activity_queries_do_not_grow_with_the_mentees(session: Session, net: Net) -> None:
    statements: list[str] = []
    engine = session.get_bind()

    def listener(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("SELECT"):  # not BEGIN, which depends on the transaction before
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        first = mentoring_activity(session, start=Q2_START, end=Q2_END)
        before = len(statements)
        for mu in munis.list_municipalities(session)[:20]:
            asg = m.Assignment(
                mentor_id=net.seila, municipality_id=ident(mu), start_date=date(2026, 6, 30), end_date=date(2026, 9, 30)
            )
            session.add(asg)
            session.flush()
            session.add(
                m.MentorSession(
                    assignment_id=ident(asg),
                    municipality_id=ident(mu),
                    mentor_id=net.seila,
                    held_at=utc(2026, 5, 1, 10),
                    duration_minutes=60,
                    format="phone",
                )
            )
        session.commit()
        statements.clear()
        second = mentoring_activity(session, start=Q2_START, end=Q2_END)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(second.mentees) > len(first.mentees) + 15
    assert second.totals.sessions == first.totals.sessions + 20
    assert len(statements) == before  # the same moments (Saue's starts on 30 June too): no query per row
