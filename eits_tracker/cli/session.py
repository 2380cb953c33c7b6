"""``eits-tracker session record|template|list|show``: mentoring sessions and what they produced."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import select

from eits_tracker.cli.common import print_json, print_table, state
from eits_tracker.cli.mentor import split_list, tallinn_today
from eits_tracker.db import models as m
from eits_tracker.errors import EitsError
from eits_tracker.mentoring import followups, people, sessions
from eits_tracker.mentoring.sessions import AgreedChange, Closing, NewFollowUp, SessionInput, SessionInputError
from eits_tracker.mentoring.vocab import label
from eits_tracker.timeutil import TALLINN, parse_date, parse_local_datetime, utcnow
from eits_tracker.timeutil import show as show_time
from eits_tracker.tracking import municipalities as munis

app = typer.Typer(
    help="Mentoring sessions: record one (from a file or options), print a file to fill in, list, show.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")

FOLLOWUP_KEYS = {"due": "due", "tahtaeg": "due", "tähtaeg": "due", "owner": "owner", "vastutaja": "owner"}
FOLLOWUP_KEYS |= {"measure": "measure", "meede": "measure"}

RECORD_HELP = (
    "Record a session: the notes, the status changes agreed, new follow-ups and the ones closed.\n\n"
    "Give the session as a Markdown FILE with front matter (print one with 'session template'; '-' reads "
    "standard input), or entirely as options. Options given together with a FILE replace that field of the "
    "file; a repeatable option replaces the file's whole list (--change replaces the file's changes).\n\n"
    "Everything is checked first; if anything is wrong, all problems are listed and nothing is saved. "
    "--mentor defaults to you (the person whose login or e-mail is --user or the OS user), else the "
    "municipality's only mentor on that day.\n\n"
    """Repeatable options, for example:
  --change ORP.4.M1=implemented      (status words as in 'status set')
  --change "CON.3.M2=partial;note=…" (the note goes into the history)
  --followup "Write the plan;due=2026-12-31;owner=IT-juht;measure=CON.3.M2"
  --close 12                         (follow-up #12 is done)
  --drop "13=Teenus viiakse pilve"   (follow-up #13 is dropped, with a reason)
A follow-up is its description, then key=value parts after ';'; due is required."""
)


def _followup(text: str, i: int, problems: list[str]) -> NewFollowUp | None:
    """'description;due=YYYY-MM-DD;owner=…;measure=…' → a follow-up, or a problem naming the option."""
    description, *parts = text.split(";")
    fields: dict[str, str] = {}
    ok = True
    for part in parts:
        key, eq, value = part.partition("=")
        name = FOLLOWUP_KEYS.get(key.strip().lower())
        if not eq or name is None:
            problems.append(
                f"followups[{i}]: {part.strip()!r} in --followup {text!r}: write key=value with the keys "
                'due, owner and measure, e.g. "Write the plan;due=2026-12-31;owner=IT-juht".'
            )
            ok = False
            continue
        fields[name] = value.strip()
    due = None
    if fields.get("due"):
        try:
            due = parse_date(fields["due"], field="due")
        except EitsError as exc:
            problems.append(f"followups[{i}]: {exc.message}")
            ok = False
    if not ok:
        return None
    return NewFollowUp(description.strip(), due, fields.get("measure") or None, fields.get("owner", ""))


def _change(text: str, problems: list[str]) -> AgreedChange | None:
    head, *rest = text.split(";")
    code, eq, status = head.partition("=")
    note = ""
    for part in rest:
        key, eq2, value = part.partition("=")
        if eq2 and key.strip().lower() in ("note", "markus", "märkus"):
            note = value.strip()
        else:
            problems.append(f"changes: {part.strip()!r} in --change {text!r}: only ';note=TEXT' may follow.")
            return None
    if not eq or not code.strip() or not status.strip():
        problems.append(f"changes: --change {text!r}: write MEASURE=STATUS, e.g. ORP.4.M1=implemented.")
        return None
    return AgreedChange(code.strip(), status.strip(), note)


def _drop(text: str, problems: list[str]) -> Closing | None:
    number, _eq, reason = text.partition("=")
    if not number.strip().lstrip("#").isdigit():
        problems.append(f'closings: --drop {text!r}: write ID=REASON, e.g. --drop "13=the service moves".')
        return None
    return Closing(int(number.strip().lstrip("#")), "dropped", reason.strip().strip('"'))


def _read_input(file: str | None) -> tuple[SessionInput, str]:
    """The session in FILE ('-': stdin), or an empty one to fill from options; and the name for messages."""
    from eits_tracker.mentoring.sessionfile import parse_session_text, read_session_file

    if file is None:
        return SessionInput(municipality="", held_at=None, duration_minutes=None, format=""), ""
    if file == "-":
        return parse_session_text(sys.stdin.read(), path="<stdin>"), "<stdin>"
    return read_session_file(Path(file)), file


@app.command("record", help=RECORD_HELP)
def record(
    ctx: typer.Context,
    file: str | None = typer.Argument(
        None, metavar="FILE", help="Markdown file with front matter, or '-' for standard input"
    ),
    municipality: str | None = typer.Option(None, "--municipality", help="The mentee municipality (EHAK or name)"),
    mentor: str | None = typer.Option(
        None,
        "--mentor",
        help="Who held it (id, e-mail, login or name); default: you (your login or e-mail), "
        "else the municipality's only mentor",
    ),
    assignment: int | None = typer.Option(
        None, "--assignment", help="The assignment's number; default: found from the mentor and date"
    ),
    at: str | None = typer.Option(None, "--at", help="When it started, 'YYYY-MM-DD HH:MM' (Tallinn time)"),
    duration: int | None = typer.Option(None, "--duration", help="Length in minutes"),
    fmt: str | None = typer.Option(None, "--format", help="on_site, video or phone (kohapeal, videokõne, telefon)"),
    participants: list[str] | None = typer.Option(None, "--participant", help="Who took part (repeatable)"),
    modules: list[str] | None = typer.Option(
        None, "--module", help="Modules discussed, e.g. ORP.4 (repeatable or comma list)"
    ),
    measures: list[str] | None = typer.Option(
        None, "--measure", help="Measures discussed, e.g. ORP.4.M1 (repeatable or comma list)"
    ),
    notes: str | None = typer.Option(None, "--notes", help="The notes (Markdown)"),
    notes_file: Path | None = typer.Option(None, "--notes-file", help="Read the notes from this file"),
    changes: list[str] | None = typer.Option(
        None, "--change", help="Agreed status change MEASURE=STATUS, optionally ';note=TEXT' (repeatable)"
    ),
    new_followups: list[str] | None = typer.Option(
        None,
        "--followup",
        help="New follow-up 'DESCRIPTION;due=YYYY-MM-DD;owner=…;measure=…', owner and measure optional (repeatable)",
    ),
    close: list[int] | None = typer.Option(None, "--close", help="An earlier follow-up done in this session (id)"),
    drop: list[str] | None = typer.Option(
        None, "--drop", help="An earlier follow-up dropped in this session: ID=REASON (repeatable)"
    ),
    json_out: bool = JSON,
) -> None:
    # The help is RECORD_HELP: it needs its line breaks kept, which a docstring's dedenting would not.
    data, source = _read_input(file)
    problems: list[str] = []
    if municipality is not None:
        data.municipality = municipality
    if mentor is not None:
        data.mentor = mentor
    if assignment is not None:
        data.assignment_id = assignment
    if at is not None:
        try:
            data.held_at = parse_local_datetime(at, field="held_at")
        except EitsError as exc:
            problems.append(exc.message.replace("held-at:", "held_at (--at):", 1))
    if duration is not None:
        data.duration_minutes = duration
    if fmt is not None:
        data.format = fmt
    if participants is not None:
        data.participants = [p.strip() for p in participants if p.strip()]
    if modules is not None:
        data.modules = split_list(modules)
    if measures is not None:
        data.measures = split_list(measures)
    if notes is not None and notes_file is not None:
        problems.append("notes: give --notes or --notes-file, not both.")
    elif notes is not None:
        data.notes = notes
    elif notes_file is not None:
        try:
            data.notes = notes_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"notes: cannot read {notes_file}: {getattr(exc, 'strerror', None) or exc}.")
    if changes is not None:
        data.changes = [c for c in (_change(t, problems) for t in changes) if c]
    if new_followups is not None:
        data.followups = [f for f in (_followup(t, i, problems) for i, t in enumerate(new_followups, 1)) if f]
    if close is not None or drop is not None:
        done = [Closing(n, "done") for n in close or ()]
        data.closings = done + [c for c in (_drop(t, problems) for t in drop or ()) if c]
    if not source:
        if not data.municipality:
            problems.append("municipality: which municipality was mentored? Give --municipality (or a FILE).")
        if data.held_at is None and at is None:
            problems.append("held_at: when was the session? Give --at 'YYYY-MM-DD HH:MM' (Tallinn time).")
        if data.duration_minutes is None:
            problems.append("duration: how long was it? Give --duration in minutes, e.g. --duration 90.")
        if not data.format:
            problems.append("format: give --format on_site, video or phone.")
    if problems:
        raise SessionInputError(problems, source=source)

    db = state(ctx).db()
    with db.session() as s:
        rec = sessions.record_session(
            s, data, actor=db.actor, risk_acceptance_basic=db.settings.risk_acceptance_basic, source=source
        )
        applied = s.scalars(
            select(m.StatusHistory.measure_code)  # type: ignore[call-overload]
            .where(m.StatusHistory.session_id == rec.session.id)
            .distinct()
        ).all()
        row = sessions.list_sessions(s, session_ids=[rec.session.id])[0]  # type: ignore[list-item]
        s.commit()
    created = [f.id for f in rec.followups]
    if json_out:
        print_json(
            {
                "id": row.id,
                "municipality": row.municipality,
                "mentor": row.mentor,
                "held_at": row.held_at,
                "changes_applied": sorted(applied),
                "followups_created": created,
                "followups_closed": rec.closed,
            }
        )
        return
    print(
        f"session #{row.id}: {row.municipality}, {show_time(row.held_at, db.settings.timezone)} with {row.mentor}; "
        f"{_n(len(applied), 'status change')} applied; {_n(len(created), 'follow-up')} created"
        + (f" ({', '.join(f'#{i}' for i in created)})" if created else "")
        + f"; {rec.closed} closed"
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@app.command("template")
def template(
    ctx: typer.Context,
    municipality: str = typer.Argument(..., help="The mentee municipality (EHAK code or name)"),
    mentor: str | None = typer.Option(
        None, "--mentor", help="Who holds it; default: you, else the municipality's only active mentor"
    ),
    at: str | None = typer.Option(None, "--at", help="When, 'YYYY-MM-DD HH:MM' (Tallinn time); default: now"),
) -> None:
    """Print a session file to fill in, with the municipality's open follow-ups ready to close.

    Save it, fill it in after the session and record it with 'session record FILE'.
    """
    held_at = parse_local_datetime(at, field="at") if at else utcnow().replace(second=0, microsecond=0)
    day = held_at.astimezone(TALLINN).date()
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        who = _template_mentor(s, mentor, db.actor, mu, day)
        carried = followups.list_followups(s, today=tallinn_today(), municipality_id=mu.id)
    from eits_tracker.mentoring.sessionfile import session_template

    sys.stdout.write(session_template(municipality=mu.name, mentor=who, held_at=held_at, open_followups=carried))


def _template_mentor(s: Any, mentor: str | None, actor: str, mu: m.Municipality, day: Any) -> str:
    """The e-mail to put in the template: the one named, you if a mentor, the only active mentor, or blank."""
    from eits_tracker.mentoring.assignments import list_assignments

    if mentor:
        return people.find_person(s, mentor, role="mentor").email
    me = people.person_for_login(s, actor)
    if me is not None and "mentor" in me.roles:
        return me.email
    ids = {a.mentor_id for a in list_assignments(s, municipality_id=mu.id, active_on=day)}
    if len(ids) == 1:
        person = s.get(m.Person, ids.pop())
        return str(person.email)
    return ""


def _since_until(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """Whole Tallinn days, both ends included."""
    start = parse_local_datetime(parse_date(since, field="since"), field="since") if since else None
    end = parse_date(until, field="until") + timedelta(days=1) if until else None
    return start, parse_local_datetime(end, field="until") if end else None


@app.command("list")
def list_(
    ctx: typer.Context,
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality's (EHAK or name)"),
    mentor: str | None = typer.Option(None, "--mentor", help="Only this mentor's (id, e-mail, login or name)"),
    since: str | None = typer.Option(None, "--since", help="From this day on, YYYY-MM-DD (Tallinn)"),
    until: str | None = typer.Option(None, "--until", help="Up to and including this day, YYYY-MM-DD"),
    json_out: bool = JSON,
) -> None:
    """Recorded sessions, newest first, with how many status changes and follow-ups each produced."""
    start, end = _since_until(since, until)
    db = state(ctx).db()
    with db.session() as s:
        muni_id = munis.find_municipality(s, municipality).id if municipality else None
        mentor_id = people.find_person(s, mentor).id if mentor else None
        rows = sessions.list_sessions(s, municipality_id=muni_id, mentor_id=mentor_id, since=start, until=end)
    if json_out:
        print_json([dict(r.__dict__) for r in rows])
        return
    tz, lang = db.settings.timezone, db.settings.resolved_language()
    print_table(
        [
            {
                "id": r.id,
                "when": show_time(r.held_at, tz),
                "municipality": r.municipality,
                "mentor": r.mentor,
                "minutes": r.duration_minutes,
                "format": label(r.format, lang),
                "modules": ", ".join(r.modules),
                "changes": r.changes,
                "followups": r.followups,
            }
            for r in rows
        ],
        [
            ("id", "#"),
            ("when", "When (Tallinn)"),
            ("municipality", "Municipality"),
            ("mentor", "Mentor"),
            ("minutes", "Min"),
            ("format", "Format"),
            ("modules", "Modules"),
            ("changes", "Changes"),
            ("followups", "Follow-ups"),
        ],
        title=_n(len(rows), "session"),
    )


def _followup_dict(f: m.FollowUp) -> dict[str, Any]:
    return {
        "id": f.id,
        "description": f.description,
        "measure": f.measure_code,
        "owner": f.owner,
        "due_date": f.due_date,
        "state": f.state,
        "reason": f.reason,
    }


@app.command("show")
def show(
    ctx: typer.Context,
    session_id: int = typer.Argument(..., metavar="ID", help="The session's number"),
    json_out: bool = JSON,
) -> None:
    """One session: notes, the status changes agreed, the follow-ups created and closed in it."""
    db = state(ctx).db()
    with db.session() as s:
        d = sessions.session_detail(s, session_id)
        target_ids = {h.target_object_id for h in d.changes}
        targets: dict[int, str] = dict(
            s.execute(
                select(m.TargetObject.id, m.TargetObject.name).where(m.TargetObject.id.in_(target_ids))  # type: ignore[call-overload,union-attr]
            ).all()
        )
    r = d.row
    counts = ("changes", "followups")  # the list's counts; here the lists themselves
    data = {
        **{k: v for k, v in r.__dict__.items() if k not in counts},
        "goal": d.goal,
        "changes": [
            {
                "measure": h.measure_code,
                "target": targets.get(h.target_object_id, ""),
                "old_status": h.old_status,
                "new_status": h.new_status,
                "note": h.note,
                "changed_by": h.changed_by,
            }
            for h in d.changes
        ],
        "followups_created": [_followup_dict(f) for f in d.followups],
        "followups_closed": [_followup_dict(f) for f in d.closed],
    }
    if json_out:
        print_json(data)
        return
    lang = db.settings.resolved_language()
    print(
        f"Session #{r.id} · {r.municipality} · {show_time(r.held_at, db.settings.timezone)} (Tallinn) · "
        f"{r.duration_minutes} min · {label(r.format, lang)}"
    )
    print(f"mentor {r.mentor}" + (f" · participants: {', '.join(r.participants)}" if r.participants else ""))
    if d.goal:
        print(f"assignment goal: {d.goal}")
    if r.modules or r.measures:
        print(f"modules: {', '.join(r.modules) or '—'} · measures: {', '.join(r.measures) or '—'}")
    print("\nNotes:\n" + ("\n".join("  " + line for line in r.notes.rstrip().splitlines()) or "  —"))
    print("\nAgreed status changes:")
    for c in data["changes"] or [None]:
        print(
            f"  {c['measure']} ({c['target']}): {c['old_status'] or 'not_assessed'} → {c['new_status']}"
            + (f" — {c['note']}" if c["note"] else "")
            if c
            else "  —"
        )
    for title, items in (("Follow-ups created", d.followups), ("Follow-ups closed", d.closed)):
        print(f"\n{title}:")
        for f in items:
            extra = ", ".join(x for x in (f.measure_code or "", f"owner {f.owner}" if f.owner else "") if x)
            print(
                f"  #{f.id} due {f.due_date} [{f.state}] {f.description}"
                + (f" ({extra})" if extra else "")
                + (f" — {f.reason}" if f.reason else "")
            )
        if not items:
            print("  —")
