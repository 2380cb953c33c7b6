"""What the mentor network did in a reporting period [start, end): the quarterly report's feed.

:func:`mentoring_activity` gives, per mentor, per mentee and in total: sessions, hours, follow-ups
opened, done and dropped, follow-ups overdue at the end, status changes agreed in sessions, and
each mentee's basic fulfilment and level at the start of its earliest assignment overlapping the
period and at its end (from the status history, see ``mentoring.progress``).

Sessions, follow-ups and agreed changes count for the mentor who held the session they came from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.mentoring.progress import _basic, _cols, _keyed, _maturity, day_start
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import TALLINN, as_utc
from eits_tracker.tracking import maturity as mat

DEFAULT = mat.DEFAULT_THRESHOLDS
Moment = datetime | None  # for the maturity model: None = the current statuses


@dataclass(frozen=True)
class MentorActivity:
    """What one mentor did in the period (follow-ups and status changes: of the mentor's sessions)."""

    person_id: int
    name: str
    home: str | None  # the mentor's own municipality
    sessions: int
    hours: float
    mentees: int  # distinct municipalities met in sessions in the period
    assigned: int  # distinct mentee municipalities under assignments overlapping the period
    followups_opened: int
    followups_done: int
    followups_dropped: int
    status_changes: int


@dataclass(frozen=True)
class MenteeActivity:
    """A municipality mentored in the period: the activity, and how far it got.

    ``baseline_at`` is the start of its earliest assignment overlapping the period, the ``*_at_end``
    figures are as of the period's end, and the changes are end minus baseline.
    """

    municipality_id: int
    ehak_code: str
    name: str
    mentors: tuple[str, ...]
    sessions: int
    hours: float
    followups_opened: int
    followups_done: int
    followups_dropped: int
    status_changes: int
    overdue_at_end: int
    baseline_at: datetime
    basic_at_start: float | None
    level_at_start: int
    basic_at_end: float | None
    level_at_end: int
    basic_change: float | None
    level_change: int


@dataclass(frozen=True)
class ActivityTotals:
    """The whole network in the period, including municipalities no longer (or not yet) mentored."""

    sessions: int
    hours: float
    followups_opened: int
    followups_done: int
    followups_dropped: int
    status_changes: int
    overdue_at_end: int


@dataclass(frozen=True)
class MentoringActivity:
    start: datetime
    end: datetime
    mentors: tuple[MentorActivity, ...]  # Estonian order of names
    mentees: tuple[MenteeActivity, ...]
    totals: ActivityTotals


# --- the activity of a period --------------------------------------------------------


def _period_counts(session: Session, start: datetime, end: datetime) -> dict[tuple[int, int], Counter[str]]:
    """(mentor id, municipality id) -> sessions, minutes, opened, done, dropped, changes in [start, end)."""
    ms, fu, h = (_cols(t) for t in (m.MentorSession, m.FollowUp, m.StatusHistory))
    pairs: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    held = select(ms.mentor_id, ms.municipality_id, func.count(), func.sum(ms.duration_minutes))
    for mentor, muni, n, minutes in session.execute(
        held.where(ms.held_at >= start, ms.held_at < end).group_by(ms.mentor_id, ms.municipality_id)
    ):
        pairs[(mentor, muni)].update(sessions=n, minutes=minutes or 0)
    origin = select(ms.mentor_id, fu.municipality_id).join(m.MentorSession, ms.id == fu.session_id)
    opened = origin.add_columns(func.count()).where(fu.created_at >= start, fu.created_at < end)
    for mentor, muni, n in session.execute(opened.group_by(ms.mentor_id, fu.municipality_id)):
        pairs[(mentor, muni)]["opened"] += n
    closed = origin.add_columns(fu.state, func.count()).where(
        fu.state.in_(("done", "dropped")), fu.closed_at >= start, fu.closed_at < end
    )
    for mentor, muni, state, n in session.execute(closed.group_by(ms.mentor_id, fu.municipality_id, fu.state)):
        pairs[(mentor, muni)][state] += n
    agreed = (
        select(ms.mentor_id, h.municipality_id, func.count())
        .join(m.MentorSession, ms.id == h.session_id)
        .where(h.changed_at >= start, h.changed_at < end)
    )
    for mentor, muni, n in session.execute(agreed.group_by(ms.mentor_id, h.municipality_id)):
        pairs[(mentor, muni)]["changes"] += n
    return pairs


def _activity(counts: Counter[str]) -> dict[str, Any]:
    """The fields mentor, mentee and total rows share."""
    return {
        "sessions": counts["sessions"],
        "hours": counts["minutes"] / 60,
        "followups_opened": counts["opened"],
        "followups_done": counts["done"],
        "followups_dropped": counts["dropped"],
        "status_changes": counts["changes"],
    }


def mentoring_activity(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    thresholds: mat.Thresholds = DEFAULT,
    progress: bool = True,
) -> MentoringActivity:
    """Per mentor, per mentee municipality and in total: what happened in [start, end).

    Mentors listed: those with an assignment overlapping the period or any activity in it.
    Mentees listed: municipalities with an assignment overlapping the period. A follow-up is
    overdue at the end when it was created before ``end``, was not closed (done or dropped)
    before it, and was due before ``end``'s Tallinn date. Naive datetimes are UTC.
    """
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise ValidationError(
            f"end: a period must end after it starts (start {start:%Y-%m-%d %H:%M}, end {end:%Y-%m-%d %H:%M} UTC).",
            field="end",
        )
    a, fu, pe, mu = (_cols(t) for t in (m.Assignment, m.FollowUp, m.Person, m.Municipality))
    first_day = start.astimezone(TALLINN).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(TALLINN).date()

    pairs = _period_counts(session, start, end)
    still_open = or_(fu.state == "open", fu.closed_at.is_(None), fu.closed_at >= end)
    overdue = _keyed(
        session,
        select(fu.municipality_id, func.count())
        .where(fu.created_at < end, fu.due_date < end.astimezone(TALLINN).date(), still_open)
        .group_by(fu.municipality_id),
    )
    overlapping = select(a.mentor_id, a.municipality_id, a.start_date)
    assignments = session.execute(overlapping.where(a.start_date <= last_day, a.end_date >= first_day)).all()

    per_mentor: dict[int, Counter[str]] = defaultdict(Counter)
    per_muni: dict[int, Counter[str]] = defaultdict(Counter)
    met: dict[int, set[int]] = defaultdict(set)
    for (mentor, muni), counts in pairs.items():
        per_mentor[mentor].update(counts)
        per_muni[muni].update(counts)
        if counts["sessions"]:
            met[mentor].add(muni)
    assigned: dict[int, set[int]] = defaultdict(set)
    mentors_of: dict[int, set[int]] = defaultdict(set)
    first_start: dict[int, date] = {}
    for mentor, muni, day in assignments:
        assigned[mentor].add(muni)
        mentors_of[muni].add(mentor)
        first_start[muni] = min(day, first_start.get(muni, day))

    wanted = sorted(per_mentor.keys() | assigned.keys())
    people = _keyed(session, select(pe.id, pe.name, pe.municipality_id).where(pe.id.in_(wanted)))
    homes = {home for _name, home in people.values() if home is not None}
    munis = _keyed(session, select(mu.id, mu.ehak_code, mu.name).where(mu.id.in_(sorted(first_start.keys() | homes))))
    needs: dict[Moment, set[int]] = defaultdict(set)
    for muni, day in first_start.items():
        needs[day_start(day)].add(muni)
        needs[end].add(muni)
    # progress=False (the quarterly report, which has each municipality's own change): figures left empty.
    maturity = _maturity(session, needs, thresholds) if progress else {}

    mentors = [
        MentorActivity(
            person_id=pid,
            name=name,
            home=munis[home][1] if home in munis else None,
            mentees=len(met[pid]),
            assigned=len(assigned[pid]),
            **_activity(per_mentor[pid]),
        )
        for pid, (name, home) in people.items()
    ]
    mentees = []
    for muni, day in first_start.items():
        baseline = day_start(day)
        then, at_end = _basic(maturity.get((baseline, muni))), _basic(maturity.get((end, muni)))
        mentees.append(
            MenteeActivity(
                municipality_id=muni,
                ehak_code=munis[muni][0],
                name=munis[muni][1],
                mentors=tuple(sorted((people[p][0] for p in mentors_of[muni]), key=estonian_key)),
                overdue_at_end=overdue.get(muni, (0,))[0],
                baseline_at=baseline,
                basic_at_start=then[0],
                level_at_start=then[1],
                basic_at_end=at_end[0],
                level_at_end=at_end[1],
                basic_change=None if then[0] is None or at_end[0] is None else at_end[0] - then[0],
                level_change=at_end[1] - then[1],
                **_activity(per_muni[muni]),
            )
        )
    total: Counter[str] = Counter()
    for counts in pairs.values():
        total.update(counts)
    return MentoringActivity(
        start=start,
        end=end,
        mentors=tuple(sorted(mentors, key=lambda r: (estonian_key(r.name), r.person_id))),
        mentees=tuple(sorted(mentees, key=lambda r: (estonian_key(r.name), r.municipality_id))),
        totals=ActivityTotals(overdue_at_end=sum(n for (n,) in overdue.values()), **_activity(total)),
    )
