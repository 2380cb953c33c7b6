"""Recording a mentoring session: what was discussed, the status changes agreed, the follow-ups.

One call records everything a session produced, in the caller's transaction: the session row,
the agreed status changes (through the same code path as any status change, with the session as
their source in the history), the new follow-ups and the earlier follow-ups closed in it. Every
problem of the input is found before anything is written, and reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.access import access_of, require_read, require_session
from eits_tracker.db import models as m
from eits_tracker.errors import EitsError, NotFoundError, ValidationError
from eits_tracker.mentoring.assignments import find_assignment, focus_modules, get_assignment
from eits_tracker.mentoring.people import find_person, person_for_login
from eits_tracker.mentoring.vocab import parse_format, parse_state
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import TALLINN, as_utc, utcnow
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.vocab import parse_status
from eits_tracker.tracking.workspace import save_measures

MIN_MINUTES, MAX_MINUTES = 5, 600


@dataclass
class AgreedChange:
    measure: str
    status: str
    note: str = ""


@dataclass
class NewFollowUp:
    description: str
    due: date | None
    measure: str | None = None
    owner: str = ""


@dataclass
class Closing:
    """An open follow-up of an earlier session, closed in this one."""

    followup_id: int
    state: str  # done or dropped
    reason: str = ""


@dataclass
class SessionInput:
    municipality: str  # name or EHAK code of the mentee
    held_at: datetime | None
    duration_minutes: int | None
    format: str
    mentor: str | None = None  # a person (id, e-mail, login, name); None: the recording person
    assignment_id: int | None = None
    participants: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    notes: str = ""
    changes: list[AgreedChange] = field(default_factory=list)
    followups: list[NewFollowUp] = field(default_factory=list)
    closings: list[Closing] = field(default_factory=list)
    #: Where each field was written (a session file's line numbers), for error messages.
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    session: m.MentorSession
    changes: int  # history rows written
    followups: list[m.FollowUp]
    closed: int


class SessionInputError(ValidationError):
    """Everything wrong with a session at once, each problem naming its field."""

    title = "Session not recorded"

    def __init__(self, problems: list[str], *, source: str = "") -> None:
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}{len(problems)} problem(s), nothing was saved:\n  " + "\n  ".join(problems),
            field=problems[0].split(":", 1)[0] if problems else None,
        )
        self.problems = problems


def _measures(session: Session, edition: m.Edition, codes: list[str]) -> tuple[list[str], list[str]]:
    """(known codes in order, unknown codes)."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    known = set(
        session.scalars(
            select(m.Measure.code).where(m.Measure.edition_id == edition.id, m.Measure.code.in_(wanted))  # type: ignore[attr-defined]
        ).all()
    )
    return [c for c in wanted if c in known], [c for c in wanted if c not in known]


def _resolve_mentor(session: Session, data: SessionInput, actor: str, problems: list[str]) -> m.Person | None:
    try:
        if data.mentor:
            return find_person(session, data.mentor, role="mentor")
    except EitsError as exc:
        problems.append(f"mentor: {exc.message}")
        return None
    me = person_for_login(session, actor)
    return me if me is not None and "mentor" in me.roles else None


def record_session(
    session: Session,
    data: SessionInput,
    *,
    actor: str,
    now: datetime | None = None,
    risk_acceptance_basic: str = "refuse",
    source: str = "",
) -> Recorded:
    """Validate and record a session with everything it produced. The caller commits (or rolls back).

    ``source`` (a file name) prefixes the error message when the input came from a file.
    """
    now = as_utc(now) if now else utcnow()
    problems: list[str] = []
    muni: m.Municipality | None = None
    try:
        muni = munis.find_municipality(session, data.municipality)
    except EitsError as exc:
        problems.append(f"municipality: {exc.message}")
    if muni is not None:
        require_session(session, muni.id, muni.name)  # type: ignore[arg-type]
    mentor = _resolve_mentor(session, data, actor, problems)
    held_at = as_utc(data.held_at) if data.held_at else None
    if held_at is None:
        problems.append("held_at: when was the session? Give date and time, e.g. 2026-11-27 10:00.")
    elif held_at > now + timedelta(minutes=5):
        problems.append(
            f"held_at: {held_at.astimezone(TALLINN):%Y-%m-%d %H:%M} is in the future; record a session after it."
        )
    minutes = data.duration_minutes
    if minutes is None:
        problems.append(f"duration: how long was the session? Give minutes, {MIN_MINUTES}–{MAX_MINUTES}.")
    elif not MIN_MINUTES <= minutes <= MAX_MINUTES:
        problems.append(f"duration: {minutes} minutes; give the length in minutes, {MIN_MINUTES}–{MAX_MINUTES}.")
    fmt = ""
    try:
        fmt = parse_format(data.format)
    except EitsError as exc:
        problems.append(exc.message)

    assignment: m.Assignment | None = None
    if muni is not None and held_at is not None:
        try:
            if data.assignment_id is not None:
                assignment = get_assignment(session, data.assignment_id)
                day = held_at.astimezone(TALLINN).date()
                if assignment.municipality_id != muni.id:
                    problems.append(f"assignment: #{assignment.id} is not an assignment of {muni.name}.")
                    assignment = None
                elif not assignment.start_date <= day <= assignment.end_date:
                    problems.append(
                        f"held_at: {day} is outside assignment #{assignment.id} "
                        f"({assignment.start_date} … {assignment.end_date}); check the date or extend the "
                        "assignment ('eits-tracker mentor extend')."
                    )
                    assignment = None
            elif mentor is not None or data.mentor is None:
                assignment = find_assignment(session, mentor=mentor, municipality=muni, when=held_at)
        except EitsError as exc:
            problems.append(f"{exc.field or 'assignment'}: {exc.message}")
    if assignment is not None and mentor is not None and assignment.mentor_id != mentor.id:
        problems.append(f"mentor: assignment #{assignment.id} belongs to another mentor than {mentor.name}.")

    modules: list[str] = []
    measures: list[str] = []
    changes: list[tuple[str, str, str]] = []
    new_followups: list[tuple[NewFollowUp, str | None]] = []
    closings: list[tuple[m.FollowUp, str, str]] = []
    if muni is not None:
        edition = munis.edition_of(session, muni)
        try:
            modules = focus_modules(session, muni, data.modules, field="modules")
        except EitsError as exc:
            problems.append(exc.message)
        measures, unknown = _measures(session, edition, data.measures)
        if unknown:
            problems.append(f"measures: {', '.join(unknown)} not in E-ITS {edition.key} (write codes like ORP.4.M1).")
        change_codes, unknown = _measures(session, edition, [c.measure for c in data.changes])
        if unknown:
            problems.append(f"changes: {', '.join(unknown)} not in E-ITS {edition.key}.")
        for i, c in enumerate(data.changes, 1):
            try:
                status = parse_status(c.status)
            except EitsError as exc:
                problems.append(f"changes[{i}] ({c.measure}): {exc.message}")
                continue
            if status == "not_applicable" and not c.note.strip():
                problems.append(
                    f"changes[{i}] ({c.measure}): 'not applicable' needs a justification: "
                    "write why as the change's note."
                )
            elif status == "risk_accepted":
                problems.append(
                    f"changes[{i}] ({c.measure}): a risk acceptance needs the decision record (who approved it, "
                    "when, the decision); record it in the app's workspace or with 'eits-tracker status set'."
                )
            changes.append((c.measure.strip().upper(), status, c.note.strip()))
        seen: dict[str, int] = {}
        for code, _s, _n in changes:
            seen[code] = seen.get(code, 0) + 1
        twice = [c for c, n in seen.items() if n > 1]
        if twice:
            problems.append(f"changes: {', '.join(twice)} given more than once; agree one status per measure.")
        session_day = held_at.astimezone(TALLINN).date() if held_at else None
        for i, f in enumerate(data.followups, 1):
            label = f"followups[{i}]"
            if not f.description.strip():
                problems.append(f"{label}: a follow-up needs a description of what is to be done.")
            if f.due is None:
                problems.append(f"{label}: give a due date (YYYY-MM-DD).")
            elif session_day and f.due < session_day:
                problems.append(f"{label}: due {f.due} is before the session ({session_day}).")
            code = f.measure.strip().upper() if f.measure and f.measure.strip() else None
            if code and _measures(session, edition, [code])[1]:
                problems.append(f"{label}: measure {code} is not in E-ITS {edition.key}.")
            new_followups.append((f, code))
        ids = [c.followup_id for c in data.closings]
        twice_closed = sorted({i for i in ids if ids.count(i) > 1})
        if twice_closed:
            problems.append(f"closings: #{', #'.join(map(str, twice_closed))} given more than once; close each once.")
        for c in data.closings:
            if c.followup_id in twice_closed:
                continue
            fu = session.get(m.FollowUp, c.followup_id)
            if fu is None or fu.municipality_id != muni.id:
                problems.append(f"closings: follow-up #{c.followup_id} is not one of {muni.name}'s.")
                continue
            if fu.state != "open":
                problems.append(f"closings: follow-up #{fu.id} is already {fu.state}.")
                continue
            try:
                state = parse_state(c.state)
            except EitsError as exc:
                problems.append(f"closings: #{fu.id}: {exc.message}")
                continue
            if state == "open":
                continue
            if state == "dropped" and not c.reason.strip():
                problems.append(f"closings: #{fu.id} is dropped; say why (reason).")
                continue
            closings.append((fu, state, c.reason.strip()))
        measures = list(dict.fromkeys(measures + change_codes + [code for _f, code in new_followups if code]))
    if problems:
        raise SessionInputError([_located(p, data.lines) for p in problems], source=source)
    assert muni is not None and assignment is not None and held_at is not None and minutes is not None

    row = m.MentorSession(
        assignment_id=assignment.id,  # type: ignore[arg-type]
        municipality_id=muni.id,  # type: ignore[arg-type]
        mentor_id=assignment.mentor_id,
        held_at=held_at,
        duration_minutes=minutes,
        format=fmt,
        participants=[p.strip() for p in data.participants if p.strip()],
        modules=modules,
        measures=measures,
        notes=data.notes.strip() + "\n" if data.notes.strip() else "",
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    for code, status, note in changes:
        save_measures(
            session,
            municipality_id=muni.id,  # type: ignore[arg-type]
            codes=[code],
            status=status,
            actor=actor,
            source="session",
            session_id=row.id,
            risk_acceptance_basic=risk_acceptance_basic,
            changed_at=now,
            note=note or None,
            justification=note if status == "not_applicable" else None,
        )
    session.flush()
    written = session.scalar(select(func.count()).where(m.StatusHistory.session_id == row.id)) or 0
    created = []
    for f, code in new_followups:
        fu = m.FollowUp(
            session_id=row.id,  # type: ignore[arg-type]
            municipality_id=muni.id,  # type: ignore[arg-type]
            description=f.description.strip(),
            measure_code=code,
            owner=f.owner.strip(),
            due_date=f.due,  # type: ignore[arg-type]
            created_at=now,
        )
        session.add(fu)
        created.append(fu)
    for fu, state, reason in closings:
        fu.state, fu.reason = state, reason
        fu.closed_at, fu.closed_by, fu.closed_in_session_id = now, actor, row.id
        fu.version += 1
        session.add(fu)
    session.flush()
    return Recorded(row, written, created, len(closings))


_FIELD_OF = {"held_at": "held_at", "followups": "followups", "closings": "close", "changes": "changes"}


def _located(problem: str, lines: dict[str, int]) -> str:
    """'line 7: changes: …' when the input came from a file and the field's line is known."""
    head = re.split(r"[\[:( ]", problem, maxsplit=1)[0]
    line = lines.get(_FIELD_OF.get(head, head))
    return f"line {line}: {problem}" if line else problem


# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: int
    held_at: datetime
    duration_minutes: int
    format: str
    mentor: str
    municipality_id: int
    municipality: str
    participants: list[str]
    modules: list[str]
    measures: list[str]
    notes: str
    changes: int
    followups: int


def list_sessions(
    session: Session,
    *,
    municipality_id: int | None = None,
    mentor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    session_ids: list[int] | None = None,
) -> list[SessionRow]:
    """Sessions, newest first."""
    stmt = (
        select(m.MentorSession, m.Person.name, m.Municipality.name)
        .join(m.Person, m.Person.id == m.MentorSession.mentor_id)  # type: ignore[arg-type]
        .join(m.Municipality, m.Municipality.id == m.MentorSession.municipality_id)  # type: ignore[arg-type]
        .order_by(m.MentorSession.held_at.desc(), m.MentorSession.id.desc())  # type: ignore[attr-defined]
    )
    if municipality_id is not None:
        stmt = stmt.where(m.MentorSession.municipality_id == municipality_id)
    if mentor_id is not None:
        stmt = stmt.where(m.MentorSession.mentor_id == mentor_id)
    if since is not None:
        stmt = stmt.where(m.MentorSession.held_at >= as_utc(since))
    if until is not None:
        stmt = stmt.where(m.MentorSession.held_at < as_utc(until))
    if session_ids is not None:
        stmt = stmt.where(m.MentorSession.id.in_(session_ids))  # type: ignore[union-attr]
    access = access_of(session)
    readable = access.readable_filter(m.MentorSession.municipality_id)
    if readable is not None:  # in SQL, so a limit counts only what may be read
        stmt = stmt.where(readable)
    if limit:
        stmt = stmt.limit(limit)
    found = list(session.execute(stmt).all())
    ids = [s.id for s, _a, _b in found]
    changes = _counts(session, m.StatusHistory.session_id, ids)
    followups = _counts(session, m.FollowUp.session_id, ids)
    return [
        SessionRow(
            id=s.id,  # type: ignore[arg-type]
            held_at=as_utc(s.held_at),
            duration_minutes=s.duration_minutes,
            format=s.format,
            mentor=mentor,
            municipality_id=s.municipality_id,
            municipality=muni,
            participants=list(s.participants),
            modules=list(s.modules),
            measures=list(s.measures),
            notes=s.notes,
            changes=changes.get(s.id, 0),  # type: ignore[arg-type]
            followups=followups.get(s.id, 0),  # type: ignore[arg-type]
        )
        for s, mentor, muni in found
    ]


def _counts(session: Session, column: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    out: dict[int, int] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        out.update(session.execute(select(column, func.count()).where(column.in_(part)).group_by(column)).all())  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class SessionDetail:
    row: SessionRow
    goal: str
    changes: list[m.StatusHistory]
    followups: list[m.FollowUp]  # created in this session
    closed: list[m.FollowUp]  # earlier ones closed in this session


def session_detail(session: Session, session_id: int) -> SessionDetail:
    s = session.get(m.MentorSession, session_id)
    if s is None:
        raise NotFoundError(f"no session #{session_id}; see 'eits-tracker session list'.", field="session")
    muni = session.get(m.Municipality, s.municipality_id)
    require_read(session, s.municipality_id, muni.name if muni else "")
    found = list_sessions(session, session_ids=[session_id])[0]
    assignment = session.get(m.Assignment, s.assignment_id)
    changes = list(
        session.scalars(
            select(m.StatusHistory).where(m.StatusHistory.session_id == session_id).order_by(m.StatusHistory.id)
        ).all()
    )
    created = list(
        session.scalars(select(m.FollowUp).where(m.FollowUp.session_id == session_id).order_by(m.FollowUp.id)).all()
    )
    closed = list(
        session.scalars(
            select(m.FollowUp).where(m.FollowUp.closed_in_session_id == session_id).order_by(m.FollowUp.id)
        ).all()
    )
    return SessionDetail(found, assignment.goal if assignment else "", changes, created, closed)


def participants_seen(session: Session, municipality_id: int) -> list[str]:
    """Names that took part in the municipality's earlier sessions (for completion in the form)."""
    names: set[str] = set()
    for (people,) in session.execute(
        select(m.MentorSession.participants).where(m.MentorSession.municipality_id == municipality_id)
    ).all():
        names.update(people or [])
    contacts = session.scalars(select(m.Person.name).where(m.Person.municipality_id == municipality_id)).all()
    names.update(contacts)
    return sorted(names, key=estonian_key)
