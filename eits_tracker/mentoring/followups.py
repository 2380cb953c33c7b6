"""Follow-ups: what a session promised, open until done or dropped with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.access import access_of, require_close
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.mentoring.vocab import parse_state
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    municipality_id: int
    municipality: str
    description: str
    measure_code: str | None
    owner: str
    due_date: date
    state: str
    reason: str
    session_id: int
    session_held_at: datetime
    mentor: str
    closed_at: datetime | None
    version: int
    overdue: bool
    days_left: int  # negative when overdue; counted from ``today``

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "municipality": self.municipality,
            "description": self.description,
            "measure": self.measure_code,
            "owner": self.owner,
            "due_date": self.due_date,
            "state": self.state,
            "reason": self.reason,
            "overdue": self.overdue,
            "days_left": self.days_left,
            "session_id": self.session_id,
            "session_held_at": self.session_held_at,
            "mentor": self.mentor,
            "closed_at": self.closed_at,
        }


def list_followups(
    session: Session,
    *,
    today: date,
    municipality_id: int | None = None,
    mentor_id: int | None = None,
    states: tuple[str, ...] | None = ("open",),
    overdue: bool = False,
) -> list[FollowUpRow]:
    """Follow-ups (open ones by default), soonest due first; ``overdue``: open and due before today."""
    stmt = (
        select(m.FollowUp, m.Municipality.name, m.MentorSession.held_at, m.Person.name)
        .join(m.Municipality, m.Municipality.id == m.FollowUp.municipality_id)  # type: ignore[arg-type]
        .join(m.MentorSession, m.MentorSession.id == m.FollowUp.session_id)  # type: ignore[arg-type]
        .join(m.Person, m.Person.id == m.MentorSession.mentor_id)  # type: ignore[arg-type]
    )
    if municipality_id is not None:
        stmt = stmt.where(m.FollowUp.municipality_id == municipality_id)
    if mentor_id is not None:
        stmt = stmt.where(m.MentorSession.mentor_id == mentor_id)
    if overdue:
        stmt = stmt.where(m.FollowUp.state == "open", m.FollowUp.due_date < today)
    elif states:
        stmt = stmt.where(m.FollowUp.state.in_(states))  # type: ignore[attr-defined]
    access = access_of(session)
    rows = [
        FollowUpRow(
            id=f.id,  # type: ignore[arg-type]
            municipality_id=f.municipality_id,
            municipality=muni,
            description=f.description,
            measure_code=f.measure_code,
            owner=f.owner,
            due_date=f.due_date,
            state=f.state,
            reason=f.reason,
            session_id=f.session_id,
            session_held_at=as_utc(held_at),
            mentor=mentor,
            closed_at=as_utc(f.closed_at) if f.closed_at else None,
            version=f.version,
            overdue=f.state == "open" and f.due_date < today,
            days_left=(f.due_date - today).days,
        )
        for f, muni, held_at, mentor in session.execute(stmt).all()
        if access.can_read(f.municipality_id)
    ]
    rows.sort(key=lambda r: (r.due_date, estonian_key(r.municipality), r.id))
    return rows


def close_followup(
    session: Session,
    followup_id: int,
    *,
    state: str,
    actor: str,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> m.FollowUp:
    """Mark done, or dropped with a reason (or reopen: state open). The caller commits."""
    fu = session.get(m.FollowUp, followup_id)
    if fu is None:
        raise NotFoundError(f"no follow-up #{followup_id}; see 'eits-tracker followup list'.", field="followup")
    muni = session.get(m.Municipality, fu.municipality_id)
    require_close(session, fu.municipality_id, muni.name if muni else "")
    key = parse_state(state)
    if expected_version is not None and fu.version != expected_version:
        raise ValidationError(
            f"follow-up #{fu.id} was changed by {fu.closed_by or 'someone'} meanwhile (now {fu.state}, "
            f"version {fu.version}; you had version {expected_version}). Nothing was saved; look again.",
            title="Changed by someone else",
            field="version",
        )
    if key == "dropped" and not reason.strip():
        raise ValidationError(f"reason: say why follow-up #{fu.id} is dropped.", field="reason")
    if key == fu.state:
        raise ValidationError(f"follow-up #{fu.id} is already {fu.state}.", field="state")
    fu.state = key
    fu.reason = reason.strip() if key == "dropped" else ""
    fu.closed_at = None if key == "open" else (as_utc(now) if now else utcnow())
    fu.closed_by = "" if key == "open" else actor
    if key == "open":
        fu.closed_in_session_id = None
    fu.version += 1
    session.add(fu)
    session.flush()
    return fu


def overdue_by_municipality(session: Session, *, today: date) -> dict[int, int]:
    """How many open follow-ups each municipality has past their due date (for the dashboard)."""
    rows = session.execute(
        select(m.FollowUp.municipality_id, func.count())
        .where(m.FollowUp.state == "open", m.FollowUp.due_date < today)
        .group_by(m.FollowUp.municipality_id)
    ).all()
    return {muni_id: n for muni_id, n in rows}
