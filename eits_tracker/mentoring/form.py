"""What the session form needs, read in one go, and its content turned into a SessionInput.

The form's content is a plain dict (the *payload*): it is what the terminal app keeps as a
draft while the user types, so a form closed by accident is restored exactly as it was.

    {"held_at": "2026-11-27 10:00", "duration": "60", "format": "video",
     "participants": "Mari Maasikas, Jaan Tamm", "modules": "ORP.4, CON.3", "measures": "ORP.4.M1",
     "notes": "…", "changes": [["ORP.4.M1", "implemented"]],
     "followups": [{"description": "…", "measure": "", "owner": "", "due": "2026-12-31"}],
     "closings": {"12": ["done", ""], "13": ["dropped", "reason"]}}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import EitsError
from eits_tracker.mentoring.assignments import get_assignment
from eits_tracker.mentoring.drafts import load_draft
from eits_tracker.mentoring.followups import FollowUpRow, list_followups
from eits_tracker.mentoring.sessions import (
    AgreedChange,
    Closing,
    NewFollowUp,
    SessionInput,
    SessionInputError,
    participants_seen,
)
from eits_tracker.timeutil import TALLINN, as_utc, parse_date, parse_local_datetime
from eits_tracker.tracking import municipalities as munis

DRAFT_KIND = "session"


def draft_key(assignment_id: int) -> str:
    return f"assignment:{assignment_id}"


@dataclass(frozen=True)
class FormContext:
    assignment_id: int
    municipality_id: int
    municipality: str
    mentor_id: int
    mentor: str
    mentor_email: str
    start_date: date
    end_date: date
    goal: str
    focus_modules: list[str]
    modules: dict[str, str]  # code → title, the mentee's edition
    measures: dict[str, str]
    participants: list[str]
    open_followups: list[FollowUpRow]
    draft: dict[str, Any] | None
    draft_saved_at: datetime | None


def form_context(session: Session, assignment_id: int, *, owner: str, today: date) -> FormContext:
    a = get_assignment(session, assignment_id)
    muni = session.get(m.Municipality, a.municipality_id)
    mentor = session.get(m.Person, a.mentor_id)
    assert muni is not None and mentor is not None
    edition = munis.edition_of(session, muni)
    modules = dict(
        session.execute(
            select(m.Module.code, m.Module.title).where(m.Module.edition_id == edition.id).order_by(m.Module.id)
        ).all()
    )
    measures = dict(
        session.execute(
            select(m.Measure.code, m.Measure.title).where(m.Measure.edition_id == edition.id).order_by(m.Measure.id)
        ).all()
    )
    draft = load_draft(session, owner=owner, kind=DRAFT_KIND, key=draft_key(assignment_id))
    return FormContext(
        assignment_id=assignment_id,
        municipality_id=muni.id,  # type: ignore[arg-type]
        municipality=muni.name,
        mentor_id=mentor.id,  # type: ignore[arg-type]
        mentor=mentor.name,
        mentor_email=mentor.email,
        start_date=a.start_date,
        end_date=a.end_date,
        goal=a.goal,
        focus_modules=list(a.focus_modules),
        modules=modules,
        measures=measures,
        participants=participants_seen(session, muni.id),  # type: ignore[arg-type]
        open_followups=list_followups(session, today=today, municipality_id=muni.id),
        draft=dict(draft.payload) if draft else None,
        draft_saved_at=as_utc(draft.updated_at) if draft else None,
    )


def empty_payload(now: datetime, ctx: FormContext) -> dict[str, Any]:
    """A new form: the session just ended (now, rounded down to the quarter hour, minus an hour)."""
    local = as_utc(now).astimezone(TALLINN) - timedelta(hours=1)
    local = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    return {
        "held_at": f"{local:%Y-%m-%d %H:%M}",
        "duration": "60",
        "format": "video",
        "participants": "",
        "modules": ", ".join(ctx.focus_modules),
        "measures": "",
        "notes": "",
        "changes": [],
        "followups": [],
        "closings": {},
    }


def _items(text: str) -> list[str]:
    return [t.strip() for t in str(text or "").split(",") if t.strip()]


def payload_input(payload: dict[str, Any], ctx: FormContext) -> SessionInput:
    """The form as a SessionInput; what cannot even be read (a date, a number) is reported per field."""
    problems: list[str] = []
    held_at = None
    try:
        held_at = parse_local_datetime(str(payload.get("held_at") or ""), field="held_at")
    except EitsError as exc:
        problems.append(exc.message)
    duration = None
    raw = str(payload.get("duration") or "").strip()
    if raw.isdigit():
        duration = int(raw)
    else:
        problems.append(f"duration: {raw!r} is not a number of minutes.")
    followups = []
    for i, f in enumerate(payload.get("followups") or [], 1):
        due = None
        if str(f.get("due") or "").strip():
            try:
                due = parse_date(str(f["due"]), field="due")
            except EitsError as exc:
                problems.append(f"followups[{i}]: {exc.message}")
        followups.append(
            NewFollowUp(
                description=str(f.get("description") or ""),
                due=due,
                measure=str(f.get("measure") or "") or None,
                owner=str(f.get("owner") or ""),
            )
        )
    if problems:
        raise SessionInputError(problems)
    closings = [
        Closing(int(fid), state, reason)
        for fid, (state, reason) in sorted((payload.get("closings") or {}).items(), key=lambda kv: int(kv[0]))
        if state != "open"
    ]
    return SessionInput(
        municipality=ctx.municipality,
        mentor=ctx.mentor_email,
        assignment_id=ctx.assignment_id,
        held_at=held_at,
        duration_minutes=duration,
        format=str(payload.get("format") or ""),
        participants=_items(payload.get("participants", "")),
        modules=_items(payload.get("modules", "")),
        measures=_items(payload.get("measures", "")),
        notes=str(payload.get("notes") or ""),
        changes=[AgreedChange(code, status) for code, status in payload.get("changes") or []],
        followups=followups,
        closings=closings,
    )
