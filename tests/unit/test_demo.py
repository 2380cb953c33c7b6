"""Demo data: deterministic, realistic and consistent with the status rules and the history."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.db.setup import Database
from eits_tracker.mentoring.vocab import FORMATS
from eits_tracker.timeutil import local
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.demo import generate, quarter_ends

END = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)  # the demo's "now": noon in Tallinn on the end date


def _fingerprint(session: Session) -> str:
    rows = session.execute(
        select(
            m.StatusHistory.measure_code,
            m.StatusHistory.municipality_id,
            m.StatusHistory.new_status,
            m.StatusHistory.changed_at,
        ).order_by(m.StatusHistory.municipality_id, m.StatusHistory.measure_code, m.StatusHistory.changed_at)
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _network_fingerprint(session: Session) -> str:
    """Everything of the mentor network, and which history rows were agreed in which session."""
    tables = [
        select(m.Person.name, m.Person.email, m.Person.municipality_id, m.Person.roles, m.Person.expertise),
        select(m.Assignment.mentor_id, m.Assignment.municipality_id, m.Assignment.start_date, m.Assignment.end_date,
               m.Assignment.focus_modules, m.Assignment.goal),
        select(m.MentorSession.assignment_id, m.MentorSession.held_at, m.MentorSession.duration_minutes,
               m.MentorSession.format, m.MentorSession.participants, m.MentorSession.measures, m.MentorSession.notes),
        select(m.FollowUp.session_id, m.FollowUp.description, m.FollowUp.due_date, m.FollowUp.state,
               m.FollowUp.closed_at, m.FollowUp.closed_in_session_id),
        select(m.StatusHistory.session_id, m.StatusHistory.municipality_id, m.StatusHistory.measure_code,
               m.StatusHistory.changed_at).where(m.StatusHistory.session_id.is_not(None)),
    ]  # fmt: skip
    rows = [sorted(session.execute(t).all(), key=repr) for t in tables]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_quarters_end_at_midnight_tallinn() -> None:
    qs = quarter_ends(date(2026, 11, 27))
    assert [q[0] for q in qs] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert qs[6][2].isoformat() == "2026-09-30T21:00:00+00:00"  # 24:00 on 30 Sept in Tallinn (EEST)


def test_demo_is_deterministic_and_consistent(db: Database) -> None:
    with db.session() as s:
        result = generate(s, seed=7, end=date(2026, 11, 27))
        s.commit()
        assert result.municipalities == 79
        assert result.statuses > 79 * 300 and result.history >= result.statuses
        first, network = _fingerprint(s), _network_fingerprint(s)
        # Every municipality has some progress, and not all have the same.
        per = s.execute(
            select(m.StatusHistory.municipality_id, func.count()).group_by(m.StatusHistory.municipality_id)
        ).all()
        assert len(per) == 79 and len({n for _, n in per}) > 40
        # The rules hold.
        bad_na = s.scalar(
            select(func.count())
            .select_from(m.MeasureStatus)
            .where(m.MeasureStatus.status == "not_applicable", m.MeasureStatus.justification == "")
        )
        basic_risk = s.scalar(
            select(func.count())
            .select_from(m.MeasureStatus)
            .join(m.Measure)
            .where(m.MeasureStatus.status == "risk_accepted", m.Measure.level == "basic")
        )
        assert bad_na == 0 and basic_risk == 0
        # The current status is the last history row of each status.
        last = s.execute(
            select(m.StatusHistory.status_id, m.StatusHistory.new_status, m.StatusHistory.changed_at).order_by(
                m.StatusHistory.status_id, m.StatusHistory.changed_at
            )
        ).all()
        final = {sid: st for sid, st, _ in last}
        current = dict(s.execute(select(m.MeasureStatus.id, m.MeasureStatus.status)).all())
        assert final == current
        # ... and its last change is when the status row was last updated (agreed changes moved both).
        changed = dict(
            s.execute(
                select(m.StatusHistory.status_id, func.max(m.StatusHistory.changed_at)).group_by(
                    m.StatusHistory.status_id
                )
            ).all()
        )
        assert changed == dict(s.execute(select(m.MeasureStatus.id, m.MeasureStatus.updated_at)).all())
        # Rows written by the fast path read back through the ORM with their proper types.
        partial = s.scalars(select(m.MeasureStatus).where(m.MeasureStatus.status == "partial")).first()
        assert partial is not None and isinstance(partial.due_date, date) and partial.owner
        assert partial.updated_at.tzinfo is not None and partial.evidence == [] and partial.archived is False
        # History lies inside the eight quarters.
        lo, hi = s.execute(select(func.min(m.StatusHistory.changed_at), func.max(m.StatusHistory.changed_at))).one()
        assert local(lo).year == 2025 and local(hi).date() <= date(2026, 11, 27)
    # Same seed on a second database: identical.
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database

    other_url = (
        str(db.engine.url).replace("eits.sqlite3", "other.sqlite3") if db.engine.dialect.name == "sqlite" else None
    )
    if other_url:
        other = open_database(load_settings(database_url=other_url))
        with other.session() as s2:
            generate(s2, seed=7, end=date(2026, 11, 27))
            s2.commit()
            assert _fingerprint(s2) == first
            assert _network_fingerprint(s2) == network
        other.engine.dispose()


# --- the mentor network ----------------------------------------------------------------


def _applicable_measures(session: Session, mu: m.Municipality) -> dict[str, str]:
    """Measure code -> module code, for the measures of the municipality's edition in applicable modules."""
    modules = munis.applicable_modules(session, mu)
    rows = session.execute(
        select(m.Measure.code, m.Measure.module_code).where(m.Measure.edition_id == mu.edition_id)
    ).all()
    return {code: module for code, module in rows if module in modules}


def test_mentor_network_follows_the_rules(db: Database, cli: Callable[..., Any]) -> None:
    r = cli("demo", "--seed", "7", "--end", END.isoformat())
    assert r.code == 0, r.err
    said = re.search(
        r"mentor network: (\d+) mentors, (\d+) assignments, (\d+) sessions, (\d+) follow-ups, (\d+) status changes",
        r.out,
    )
    assert said, r.out
    n_mentors, n_assignments, n_sessions, n_followups, n_agreed = map(int, said.groups())
    assert 12 <= n_mentors <= 18 and 35 <= n_assignments <= 45

    with db.session() as s:
        people = {p.id: p for p in s.scalars(select(m.Person))}
        muni = {mu.id: mu for mu in s.scalars(select(m.Municipality))}
        mentors = {pid for pid, p in people.items() if "mentor" in p.roles}
        assert len(mentors) == n_mentors
        assert all(
            p.email == p.email.lower() and re.fullmatch(r"[a-z.-]+@[a-z-]+\.ee", p.email) for p in people.values()
        )
        specialists = [p for p in people.values() if "specialist" in p.roles]
        assert len(specialists) == 1 and specialists[0].municipality_id is None
        assert all(people[pid].municipality_id is not None for pid in mentors)

        assignments = {a.id: a for a in s.scalars(select(m.Assignment))}
        assert len(assignments) == n_assignments
        scope = {mid: _applicable_measures(s, muni[mid]) for mid in {a.municipality_id for a in assignments.values()}}
        contact = {p.municipality_id: p.name for p in people.values() if "contact" in p.roles}
        assert scope.keys() <= contact.keys(), "every mentee municipality has a contact person"
        for a in assignments.values():
            assert a.mentor_id in mentors
            assert people[a.mentor_id].municipality_id != a.municipality_id, "never the mentor's own municipality"
            assert a.start_date <= a.end_date and 150 <= (a.end_date - a.start_date).days <= 560
            assert a.goal and a.focus_modules and set(a.focus_modules) <= set(scope[a.municipality_id].values())
        pairs: dict[tuple[int, int], list[m.Assignment]] = defaultdict(list)
        for a in assignments.values():
            pairs[(a.mentor_id, a.municipality_id)].append(a)
        for spans in pairs.values():
            spans.sort(key=lambda a: a.start_date)
            assert all(x.end_date < y.start_date for x, y in pairwise(spans)), "overlapping assignments"
        mentees_of = defaultdict(set)
        mentors_of = defaultdict(set)
        for mentor_id, muni_id in pairs:
            mentees_of[mentor_id].add(muni_id)
            mentors_of[muni_id].add(mentor_id)
        assert all(2 <= len(v) <= 4 for v in mentees_of.values())
        assert 1 <= sum(len(v) > 1 for v in mentors_of.values()) <= 8, "a few mentees have two mentors"

        sessions = {x.id: x for x in s.scalars(select(m.MentorSession).order_by(m.MentorSession.held_at))}
        assert len(sessions) == n_sessions
        by_assignment: dict[int, list[m.MentorSession]] = defaultdict(list)
        for x in sessions.values():
            a = assignments[x.assignment_id]
            by_assignment[a.id].append(x)
            assert (x.municipality_id, x.mentor_id) == (a.municipality_id, a.mentor_id)
            assert a.start_date <= local(x.held_at).date() <= min(a.end_date, END)
            assert x.held_at + timedelta(minutes=x.duration_minutes) <= NOW
            assert 15 <= x.duration_minutes <= 480 and x.format in FORMATS
            codes = scope[x.municipality_id]
            assert x.measures and set(x.measures) <= codes.keys(), "measures of the edition, in applicable modules"
            assert set(x.modules) == {codes[c] for c in x.measures}
            assert contact[x.municipality_id] in x.participants
            assert x.notes.startswith("## ") and all(c in x.notes for c in x.measures)
            assert x.recorded_at == x.held_at + timedelta(minutes=x.duration_minutes), "recorded as it ended"
            assert people[x.mentor_id].name not in x.participants
        assert {mat.quarter_of(x.held_at) for x in sessions.values()} == set(
            quarter[0] for quarter in quarter_ends(END)
        )
        assert {x.format for x in sessions.values()} == set(FORMATS)
        assert len(by_assignment) >= n_assignments - 2 and all(len(v) <= 20 for v in by_assignment.values())

        followups = s.scalars(select(m.FollowUp)).all()
        assert len(followups) == n_followups and n_followups >= n_sessions
        overdue = future = 0
        for f in followups:
            x = sessions[f.session_id]
            assert f.municipality_id == x.municipality_id and f.created_at == x.recorded_at
            assert f.measure_code is None or f.measure_code in scope[f.municipality_id]
            if f.state == "open":
                assert f.closed_at is None and f.closed_in_session_id is None
                overdue += f.due_date < END
                future += f.due_date >= END
                continue
            assert f.state in ("done", "dropped") and f.closed_at is not None
            assert f.created_at <= f.closed_at <= NOW
            assert f.state == "done" or f.reason.strip(), "a dropped follow-up has a reason"
            if f.closed_in_session_id is not None:
                later = by_assignment[x.assignment_id]
                assert later[later.index(x) + 1].id == f.closed_in_session_id, "closed in the next session"
                assert f.closed_at == sessions[f.closed_in_session_id].recorded_at
        states = {st: sum(f.state == st for f in followups) for st in ("open", "done", "dropped")}
        assert states["done"] > states["dropped"] > 0 and states["done"] > n_followups / 2
        assert 3 <= overdue <= 30 and future >= 3

        # Changes agreed in sessions: the session's municipality, at its end, and only marked so.
        agreed = s.execute(
            select(m.StatusHistory.session_id, m.StatusHistory.municipality_id, m.StatusHistory.changed_at,
                   m.StatusHistory.measure_code, m.StatusHistory.source)
            .where((m.StatusHistory.session_id.is_not(None)) | (m.StatusHistory.source == "session"))
        ).all()  # fmt: skip
        assert len(agreed) == n_agreed > 0
        for session_id, muni_id, changed_at, code, source in agreed:
            x = sessions[session_id]
            assert source == "session" and muni_id == x.municipality_id
            assert x.held_at <= changed_at <= x.held_at + timedelta(minutes=x.duration_minutes)
            assert changed_at == x.recorded_at, "stamped when recorded, as record_session does"
            assert code in scope[muni_id]


def test_the_network_leaves_every_quarter_as_it_was(db: Database) -> None:
    """Agreed changes move only inside their quarter: the history read per quarter, and the mentees'
    maturity at each quarter end and now, are the same as without the network."""
    quarters = [label for label, _start, _end in quarter_ends(END)]

    def reading(s: Session, mentees: set[int]) -> tuple[list[Any], dict[str, Any], set[tuple[Any, ...]]]:
        h = m.StatusHistory
        rows = s.execute(select(h.target_object_id, h.measure_code, h.old_status, h.new_status, h.changed_at)).all()
        per_quarter = sorted((t, code, old or "", new, mat.quarter_of(at)) for t, code, old, new, at in rows)
        levels = {q: mat.maturity_all(s, at=mat.quarter_end(q), municipality_ids=mentees) for q in quarters}
        levels["now"] = mat.maturity_all(s, municipality_ids=mentees)
        return per_quarter, levels, {(t, code, at) for t, code, _old, _new, at in rows}

    with db.session() as s:
        result = generate(s, seed=7, end=END)
        mentees = set(s.scalars(select(m.Assignment.municipality_id)))
        assert len(mentees) > 25
        with_network = reading(s, mentees)
        s.rollback()
        assert s.scalar(select(func.count()).select_from(m.StatusHistory)) == 0
        plain = generate(s, seed=7, end=END, mentors=False)
        assert plain.mentors == plain.sessions == plain.session_changes == 0
        assert s.scalar(select(func.count()).select_from(m.MentorSession)) == 0
        assert (result.statuses, result.history) == (plain.statuses, plain.history)
        without = reading(s, mentees)
        assert with_network[0] == without[0]
        for key, levels in without[1].items():
            assert with_network[1][key] == levels, key
        # Not vacuous: exactly the agreed changes moved.
        assert len(with_network[2] - without[2]) == result.session_changes > 20
