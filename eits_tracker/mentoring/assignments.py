"""Assignments: a mentor helping a mentee municipality for a period, with focus modules and a goal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import require_admin
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import TALLINN, as_utc
from eits_tracker.tracking import municipalities as munis


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    mentor_id: int
    mentor: str
    municipality_id: int
    municipality: str
    start_date: date
    end_date: date
    focus_modules: list[str]
    goal: str

    def active_on(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    @property
    def label(self) -> str:
        return f"{self.mentor} → {self.municipality} ({self.start_date} … {self.end_date})"


def focus_modules(session: Session, muni: m.Municipality, codes: Iterable[str], *, field: str = "focus") -> list[str]:
    """Module codes of the municipality's edition; an unknown one is an error naming it."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    if not wanted:
        return []
    edition = munis.edition_of(session, muni)
    known = set(
        session.scalars(
            select(m.Module.code).where(m.Module.edition_id == edition.id, m.Module.code.in_(wanted))  # type: ignore[attr-defined]
        ).all()
    )
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValidationError(
            f"{field}: {', '.join(unknown)} is not a module of E-ITS {edition.key} "
            "(write module codes like ORP.4, CON.3).",
            field=field,
        )
    return wanted


def _overlapping(
    session: Session, mentor_id: int, municipality_id: int, start: date, end: date, *, other_than: int | None = None
) -> m.Assignment | None:
    """The same mentor's assignment to the same municipality whose period meets start..end."""
    stmt = select(m.Assignment).where(
        m.Assignment.mentor_id == mentor_id,
        m.Assignment.municipality_id == municipality_id,
        m.Assignment.start_date <= end,
        m.Assignment.end_date >= start,
    )
    if other_than is not None:
        stmt = stmt.where(m.Assignment.id != other_than)
    return session.scalars(stmt).first()


def assign(
    session: Session,
    *,
    mentor: m.Person,
    municipality: m.Municipality,
    start: date,
    end: date,
    focus: Iterable[str] = (),
    goal: str = "",
    actor: str,
) -> m.Assignment:
    """A new assignment. Refused: a non-mentor, the mentor's own municipality, reversed dates, or an
    overlap with the same mentor's other assignment to the same municipality. The caller commits."""
    require_admin(session, "assign mentors")
    if "mentor" not in mentor.roles:
        raise ValidationError(
            f"{mentor.name} does not have the mentor role; add it first (roles: {', '.join(mentor.roles)}).",
            field="mentor",
        )
    if mentor.municipality_id == municipality.id:
        raise ValidationError(
            f"{mentor.name} works for {municipality.name}: a mentor helps another municipality, not their own.",
            field="municipality",
        )
    if end < start:
        raise ValidationError(
            f"end: the assignment ends ({end}) before it starts ({start}); swap the dates.", field="end"
        )
    clash = _overlapping(session, mentor.id, municipality.id, start, end)  # type: ignore[arg-type]
    if clash is not None:
        raise ValidationError(
            f"{mentor.name} already mentors {municipality.name} from {clash.start_date} to {clash.end_date} "
            f"(assignment #{clash.id}); the periods would overlap. Start the new one after {clash.end_date}.",
            field="start",
        )
    row = m.Assignment(
        mentor_id=mentor.id,  # type: ignore[arg-type]
        municipality_id=municipality.id,  # type: ignore[arg-type]
        start_date=start,
        end_date=end,
        focus_modules=focus_modules(session, municipality, focus),
        goal=goal.strip(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def change_period(
    session: Session,
    assignment: m.Assignment,
    *,
    start: date | None = None,
    end: date | None = None,
    expected_version: int | None = None,
) -> m.Assignment:
    """Extend or shorten an assignment. Refused: reversed dates, an overlap with the same mentor's
    other assignment to that municipality, or a period that would leave a recorded session outside.
    The caller commits."""
    require_admin(session, "change assignments")
    new_start, new_end = start or assignment.start_date, end or assignment.end_date
    if expected_version is not None and assignment.version != expected_version:
        raise ValidationError(
            f"assignment #{assignment.id} was changed meanwhile (version {assignment.version}, you had "
            f"{expected_version}); nothing was saved, look at it again.",
            field="version",
        )
    if new_end < new_start:
        raise ValidationError(
            f"end: the assignment would end ({new_end}) before it starts ({new_start}); swap the dates.", field="end"
        )
    clash = _overlapping(
        session, assignment.mentor_id, assignment.municipality_id, new_start, new_end, other_than=assignment.id
    )
    if clash is not None:
        raise ValidationError(
            f"the period {new_start} … {new_end} would overlap assignment #{clash.id} "
            f"({clash.start_date} … {clash.end_date}) of the same mentor and municipality.",
            field="end",
        )
    held = [
        as_utc(t).astimezone(TALLINN).date()
        for t in session.scalars(
            select(m.MentorSession.held_at).where(m.MentorSession.assignment_id == assignment.id)
        ).all()
    ]
    outside = sorted(d for d in held if not new_start <= d <= new_end)
    if outside:
        raise ValidationError(
            f"sessions of this assignment were held on {', '.join(map(str, outside[:5]))}: the period must "
            "still include them.",
            field="end" if outside[-1] > new_end else "start",
        )
    assignment.start_date, assignment.end_date = new_start, new_end
    assignment.version += 1
    session.add(assignment)
    session.flush()
    return assignment


def list_assignments(
    session: Session,
    *,
    mentor_id: int | None = None,
    municipality_id: int | None = None,
    active_on: date | None = None,
) -> list[AssignmentRow]:
    """Assignments, newest start first within each mentee (Estonian order of names)."""
    stmt = (
        select(m.Assignment, m.Person.name, m.Municipality.name)
        .join(m.Person, m.Person.id == m.Assignment.mentor_id)  # type: ignore[arg-type]
        .join(m.Municipality, m.Municipality.id == m.Assignment.municipality_id)  # type: ignore[arg-type]
    )
    if mentor_id is not None:
        stmt = stmt.where(m.Assignment.mentor_id == mentor_id)
    if municipality_id is not None:
        stmt = stmt.where(m.Assignment.municipality_id == municipality_id)
    if active_on is not None:
        stmt = stmt.where(m.Assignment.start_date <= active_on, m.Assignment.end_date >= active_on)
    rows = [
        AssignmentRow(
            id=a.id,  # type: ignore[arg-type]
            mentor_id=a.mentor_id,
            mentor=mentor,
            municipality_id=a.municipality_id,
            municipality=muni,
            start_date=a.start_date,
            end_date=a.end_date,
            focus_modules=list(a.focus_modules),
            goal=a.goal,
        )
        for a, mentor, muni in session.execute(stmt).all()
    ]
    rows.sort(key=lambda r: (estonian_key(r.municipality), -r.start_date.toordinal(), estonian_key(r.mentor)))
    return rows


def get_assignment(session: Session, assignment_id: int) -> m.Assignment:
    row = session.get(m.Assignment, assignment_id)
    if row is None:
        raise NotFoundError(
            f"no assignment #{assignment_id}; see 'eits-tracker mentor assignments'.", field="assignment"
        )
    return row


def find_assignment(
    session: Session, *, mentor: m.Person | None, municipality: m.Municipality, when: datetime
) -> m.Assignment:
    """The assignment a session at ``when`` belongs to: of this mentor (or, if none given, the only
    mentor) to this municipality, covering that Tallinn date. Errors say which periods exist."""
    day = as_utc(when).astimezone(TALLINN).date()
    stmt = select(m.Assignment).where(m.Assignment.municipality_id == municipality.id)
    if mentor is not None:
        stmt = stmt.where(m.Assignment.mentor_id == mentor.id)
    candidates = list(session.scalars(stmt.order_by(m.Assignment.start_date)).all())
    covering = [a for a in candidates if a.start_date <= day <= a.end_date]
    if len(covering) == 1:
        return covering[0]
    who = f"{mentor.name} and {municipality.name}" if mentor else municipality.name
    if not covering:
        periods = ", ".join(f"#{a.id} {a.start_date} … {a.end_date}" for a in candidates)
        raise ValidationError(
            f"the session on {day} is outside every assignment of {who}"
            + (f" ({periods})" if periods else " (there is none; create one with 'eits-tracker mentor assign')")
            + ". Check the date, or extend an assignment ('eits-tracker mentor extend') or add one.",
            field="held_at",
        )
    raise ValidationError(
        f"{municipality.name} has several mentors on {day}; say which mentor held the session.", field="mentor"
    )


def mentors_by_municipality(session: Session, *, today: date) -> dict[int, list[str]]:
    """Names of each municipality's mentors under an active assignment (for the dashboard)."""
    out: dict[int, list[str]] = {}
    rows = session.execute(
        select(m.Assignment.municipality_id, m.Person.name)
        .join(m.Person, m.Person.id == m.Assignment.mentor_id)  # type: ignore[arg-type]
        .where(m.Assignment.start_date <= today, m.Assignment.end_date >= today)
    ).all()
    for muni_id, name in rows:
        out.setdefault(muni_id, []).append(name)
    return {k: sorted(set(v), key=estonian_key) for k, v in out.items()}
