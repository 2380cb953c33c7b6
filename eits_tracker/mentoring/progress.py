"""How a mentor's mentees are doing: the mentor's home screen.

- :func:`mentee_progress` — one row per assignment of a mentor: the mentee's basic fulfilment
  and maturity level at the start of the assignment and now, the fulfilment of its focus
  modules then and now, the sessions held and the follow-ups still open.
- :func:`next_followups` — a mentor's open follow-ups, soonest due first.

The activity of a reporting period (the quarterly report's feed) is in ``mentoring.activity``.

Times are stored in UTC; a date is a day in Europe/Tallinn. "As of the start" of an assignment is
00:00 Tallinn time on its start date (:func:`day_start`); as in ``tracking.maturity``, an as-of
figure counts the status changes up to and including that moment.

**Focus fulfilment** is the fulfilment of the focus modules taken together: the sum of the scores
of their in-scope measures (all levels, as ``maturity.module_progress``: the approach's levels
plus the high measures chosen) over those not excluded — implemented 1, partial 0.5;
not_applicable and risk_accepted excluded. None when the denominator is 0 (no focus modules, or
none applicable). ``maturity`` offers per-module figures only for now, so :func:`_module_scores`
reuses its internals for the as-of ones too: the same scope, roll-up over target objects,
edition-then and archival rules, with no second copy of them here.

Sessions and follow-ups belong to a mentor through their session's assignment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Column, Select, case, func, select
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlmodel import Session, SQLModel

from eits_tracker.db import models as m
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking.maturity_series import maturity_at

DEFAULT = mat.DEFAULT_THRESHOLDS
Moment = datetime | None  # for the maturity model: None = the current statuses


@dataclass(frozen=True)
class MenteeProgress:
    """One assignment of a mentor, as the mentor's home screen shows it."""

    assignment_id: int
    municipality_id: int
    ehak_code: str
    name: str
    start_date: date
    end_date: date
    focus_modules: tuple[str, ...]
    goal: str
    active: bool  # today within start_date..end_date
    basic_at_start: float | None
    level_at_start: int
    basic_now: float | None
    level_now: int
    focus_at_start: float | None
    focus_now: float | None
    sessions: int
    hours: float
    last_held_at: datetime | None
    open_followups: int  # created in this assignment's sessions, for this municipality
    overdue_followups: int  # open and due before today
    next_due: date | None  # the earliest due date of the open ones


@dataclass(frozen=True)
class FollowUpDue:
    """An open follow-up on a mentor's list."""

    id: int
    municipality_id: int
    municipality: str
    description: str
    measure_code: str | None
    owner: str
    due_date: date
    overdue: bool
    days_left: int  # negative when overdue
    session_id: int
    held_at: datetime
    version: int  # the follow-up's, to close it from the list without overwriting a concurrent change


def day_start(day: date) -> datetime:
    """00:00 Europe/Tallinn at the start of ``day``, in UTC."""
    return datetime.combine(day, time(), tzinfo=TALLINN).astimezone(UTC)


def _cols(model: type[SQLModel]) -> ReadOnlyColumnCollection[str, Column[Any]]:
    """A table's Core columns: typed, and read without loading ORM objects."""
    return model.__table__.c  # type: ignore[attr-defined, no-any-return]


# --- the maturity figures, grouped by moment -----------------------------------------


def _maturity(
    session: Session, needs: dict[Moment, set[int]], thresholds: mat.Thresholds
) -> dict[tuple[Moment, int], mat.Maturity]:
    """(moment, municipality id) -> maturity: the past moments in one pass over the history."""
    out: dict[tuple[Moment, int], mat.Maturity] = {}
    if None in needs:
        found = mat.maturity_all(session, municipality_ids=sorted(needs[None]), thresholds=thresholds)
        out.update({(None, muni_id): result for muni_id, result in found.items()})
    past = {at: ids for at, ids in needs.items() if at is not None}
    for (at, muni_id), result in maturity_at(session, past, thresholds=thresholds).items():
        out[(at, muni_id)] = result
    return out


def _module_scores(
    session: Session, needs: dict[Moment, set[int]]
) -> dict[tuple[Moment, int], dict[str, tuple[float, int]]]:
    """(moment, municipality id) -> {applicable module: (sum of scores, measures not excluded)}.

    The one place that reaches into maturity's internals (see the module docstring): catalogue,
    targets and current statuses are loaded once, the history is read once per moment.
    """
    out: dict[tuple[Moment, int], dict[str, tuple[float, int]]] = {}
    ids = set().union(*needs.values())
    if not ids:
        return out
    loaded = mat._load(session, sorted(ids), history=True, all_editions=True)
    for at, wanted in needs.items():
        statuses = loaded.current if at is None else mat._as_of(session, loaded, at)
        for muni in loaded.munis:
            edition_id = muni.edition_at(at)
            edition = None if edition_id is None else loaded.editions.get(edition_id)
            if muni.id in wanted and edition is not None:
                tallies = mat._count(muni, edition, statuses, at, per_module=True)
                out[(at, muni.id)] = {code: _score(t) for code, t in tallies.items()}
    return out


def _score(tally: Any) -> tuple[float, int]:
    counts, in_scope = tally.counts(), sum(tally.in_scope().values())
    return counts["implemented"] + counts["partial"] / 2, in_scope - counts["not_applicable"] - counts["risk_accepted"]


def _focus(scores: dict[str, tuple[float, int]], focus: Iterable[str]) -> float | None:
    picked = [scores[code] for code in dict.fromkeys(focus) if code in scores]
    denominator = sum(d for _s, d in picked)
    return sum(s for s, _d in picked) / denominator if denominator else None


def _keyed(session: Session, stmt: Select[Any]) -> dict[Any, tuple[Any, ...]]:
    """The rows of a grouped query by their first column."""
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}


def _basic(found: mat.Maturity | None) -> tuple[float | None, int]:
    return (None, 0) if found is None else (found.fulfilment["basic"], found.level)


# --- the mentor's home screen --------------------------------------------------------


def mentee_progress(
    session: Session,
    *,
    mentor_id: int,
    today: date,
    include_ended: bool = False,
    thresholds: mat.Thresholds = DEFAULT,
) -> list[MenteeProgress]:
    """The mentor's assignments under way today (and the ended ones, if asked): active first, then by name.

    Assignments starting after ``today`` are not shown.
    """
    a, mu, ms, fu = (_cols(t) for t in (m.Assignment, m.Municipality, m.MentorSession, m.FollowUp))
    columns = a.id.label("assignment_id"), a.municipality_id, mu.ehak_code, mu.name, a.start_date, a.end_date, a.goal
    stmt = (
        select(*columns, a.focus_modules)
        .join(m.Municipality, mu.id == a.municipality_id)
        .where(a.mentor_id == mentor_id, a.start_date <= today)
    )
    rows = session.execute(stmt if include_ended else stmt.where(a.end_date >= today)).all()
    if not rows:
        return []
    ids = [row.assignment_id for row in rows]
    held = _keyed(
        session,
        select(ms.assignment_id, func.count(), func.sum(ms.duration_minutes), func.max(ms.held_at))
        .where(ms.assignment_id.in_(ids))
        .group_by(ms.assignment_id),
    )
    late = func.sum(case((fu.due_date < today, 1), else_=0))
    due = _keyed(
        session,
        select(ms.assignment_id, func.count(), late, func.min(fu.due_date))
        .join(m.MentorSession, ms.id == fu.session_id)
        .join(m.Assignment, a.id == ms.assignment_id)
        .where(ms.assignment_id.in_(ids), fu.municipality_id == a.municipality_id, fu.state == "open")
        .group_by(ms.assignment_id),
    )
    needs: dict[Moment, set[int]] = defaultdict(set)
    focused: dict[Moment, set[int]] = defaultdict(set)
    for row in rows:
        for at in (None, day_start(row.start_date)):
            needs[at].add(row.municipality_id)
            if row.focus_modules:
                focused[at].add(row.municipality_id)
    maturity, scores = _maturity(session, needs, thresholds), _module_scores(session, focused)

    out = []
    for row in rows:
        start, muni_id, focus = day_start(row.start_date), row.municipality_id, tuple(row.focus_modules)
        n, minutes, last = held.get(row.assignment_id, (0, 0, None))
        n_open, overdue, first = due.get(row.assignment_id, (0, 0, None))
        then, now = _basic(maturity.get((start, muni_id))), _basic(maturity.get((None, muni_id)))
        out.append(
            MenteeProgress(
                **{key: row._mapping[key] for key in row._fields if key != "focus_modules"},
                focus_modules=focus,
                active=row.start_date <= today <= row.end_date,
                basic_at_start=then[0],
                level_at_start=then[1],
                basic_now=now[0],
                level_now=now[1],
                focus_at_start=_focus(scores.get((start, muni_id), {}), focus),
                focus_now=_focus(scores.get((None, muni_id), {}), focus),
                sessions=n,
                hours=(minutes or 0) / 60,
                last_held_at=last,
                open_followups=n_open,
                overdue_followups=overdue or 0,
                next_due=first,
            )
        )
    out.sort(key=lambda r: (not r.active, estonian_key(r.name), r.start_date, r.assignment_id))
    return out


def next_followups(session: Session, *, mentor_id: int, today: date, limit: int = 20) -> list[FollowUpDue]:
    """The mentor's open follow-ups (from sessions of their assignments), soonest due first."""
    a, mu, ms, fu = (_cols(t) for t in (m.Assignment, m.Municipality, m.MentorSession, m.FollowUp))
    stmt = (
        select(fu.id, fu.municipality_id, mu.name.label("municipality"), fu.description, fu.measure_code, fu.owner)
        .add_columns(fu.due_date, fu.session_id, ms.held_at, fu.version)
        .join(m.MentorSession, ms.id == fu.session_id)
        .join(m.Assignment, a.id == ms.assignment_id)
        .join(m.Municipality, mu.id == fu.municipality_id)
        .where(a.mentor_id == mentor_id, fu.state == "open")
        .order_by(fu.due_date, fu.id)
        .limit(limit)
    )
    return [
        FollowUpDue(**row._mapping, overdue=row.due_date < today, days_left=(row.due_date - today).days)
        for row in session.execute(stmt)
    ]
