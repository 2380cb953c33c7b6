"""``eits-tracker mentor add|list|assign|assignments``: the people of the mentor network."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import typer

from eits_tracker.cli.common import err, print_json, print_table, state
from eits_tracker.mentoring import assignments, people
from eits_tracker.timeutil import TALLINN, parse_date, utcnow
from eits_tracker.tracking import municipalities as munis

app = typer.Typer(
    help="The mentor network: people (mentors, specialists, contacts) and their assignments.", no_args_is_help=True
)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")


def tallinn_today() -> date:
    """'Today' for the mentor network: the date in Tallinn, whatever the machine's zone."""
    return utcnow().astimezone(TALLINN).date()


def split_list(values: Iterable[str] | None) -> list[str]:
    """Repeated options that may also hold comma lists ('--module ORP.4,CON.3 --module OPS.1.1.2')."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Full name, e.g. 'Kadri Tamm'"),
    email: str = typer.Option(..., "--email", help="E-mail address; it identifies the person"),
    municipality: str | None = typer.Option(
        None, "--municipality", help="Home municipality (EHAK code or name); required for a contact"
    ),
    roles: list[str] | None = typer.Option(
        None, "--role", help="mentor, specialist or contact (repeatable or comma list; default: mentor)"
    ),
    expertise: list[str] | None = typer.Option(
        None, "--expertise", help="Layers or modules the person knows, e.g. ORP,CON.3 (repeatable or comma list)"
    ),
    login: str | None = typer.Option(
        None, "--login", help="The login (database or OS user) that records sessions as this person"
    ),
) -> None:
    """Add a person to the network and print their id."""
    db = state(ctx).db()
    with db.session() as s:
        person = people.add_person(
            s,
            name=name,
            email=email,
            municipality=municipality,
            roles=split_list(roles) or ["mentor"],
            expertise=split_list(expertise),
            login=login,
        )
        s.commit()
        pid, pname, pemail, proles = person.id, person.name, person.email, list(person.roles)
    err(f"added {pname} <{pemail}> ({', '.join(proles)}) as #{pid}")
    print(pid)


@app.command("list")
def list_(
    ctx: typer.Context,
    role: str | None = typer.Option(None, "--role", help="Only people with this role (mentor, specialist, contact)"),
    json_out: bool = JSON,
) -> None:
    """Everyone in the network with roles, expertise and the municipalities they mentor now."""
    db = state(ctx).db()
    with db.session() as s:
        rows = people.list_people(s, role=role, today=tallinn_today())
    data: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "email": r.email,
            "municipality": r.municipality or None,
            "roles": r.roles,
            "expertise": r.expertise,
            "login": r.login,
            "active_mentees": r.active_mentees,
        }
        for r in rows
    ]
    if json_out:
        print_json(data)
        return
    print_table(
        [
            {
                **d,
                "roles": ", ".join(d["roles"]),
                "expertise": ", ".join(d["expertise"]),
                "active_mentees": ", ".join(d["active_mentees"]),
            }
            for d in data
        ],
        [
            ("id", "#"),
            ("name", "Name"),
            ("email", "E-mail"),
            ("municipality", "Home municipality"),
            ("roles", "Roles"),
            ("expertise", "Expertise"),
            ("active_mentees", "Mentoring now"),
        ],
        title=f"{len(rows)} {'person' if len(rows) == 1 else 'people'}" + (f" with the role {role}" if role else ""),
    )


@app.command("assign")
def assign(
    ctx: typer.Context,
    mentor: str = typer.Argument(..., help="The mentor: id, e-mail, login or name"),
    municipality: str = typer.Argument(..., help="The mentee municipality: EHAK code or name"),
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD"),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD"),
    focus: list[str] | None = typer.Option(
        None, "--focus", help="Modules to work on, e.g. ORP.4,CON.3 (repeatable or comma list)"
    ),
    goal: str = typer.Option("", "--goal", help="What the assignment should achieve, in a sentence"),
) -> None:
    """Assign a mentor to a municipality for a period and print the assignment's id."""
    start_date, end_date = parse_date(start, field="start"), parse_date(end, field="end")
    db = state(ctx).db()
    with db.session() as s:
        person = people.find_person(s, mentor)
        mu = munis.find_municipality(s, municipality)
        row = assignments.assign(
            s,
            mentor=person,
            municipality=mu,
            start=start_date,
            end=end_date,
            focus=split_list(focus),
            goal=goal,
            actor=db.actor,
        )
        s.commit()
        aid = row.id
    err(f"{person.name} mentors {mu.name} from {start_date} to {end_date} (assignment #{aid})")
    print(aid)


@app.command("extend")
def extend(
    ctx: typer.Context,
    assignment_id: int = typer.Argument(..., help="The assignment's id (see 'mentor assignments')"),
    end: str | None = typer.Option(None, "--end", help="New last day, YYYY-MM-DD"),
    start: str | None = typer.Option(None, "--start", help="New first day, YYYY-MM-DD"),
) -> None:
    """Move an assignment's end (or start): extend it, or end it early."""
    from eits_tracker.errors import ValidationError

    if end is None and start is None:
        raise ValidationError("give --end and/or --start: the new period.", field="end")
    new_end = parse_date(end, field="end") if end else None
    new_start = parse_date(start, field="start") if start else None
    db = state(ctx).db()
    with db.session() as s:
        row = assignments.change_period(s, assignments.get_assignment(s, assignment_id), start=new_start, end=new_end)
        s.commit()
        period = f"{row.start_date} … {row.end_date}"
    err(f"assignment #{assignment_id}: {period}")


@app.command("assignments")
def list_assignments(
    ctx: typer.Context,
    mentor: str | None = typer.Option(None, "--mentor", help="Only this mentor's (id, e-mail, login or name)"),
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality's"),
    active: bool = typer.Option(False, "--active", help="Only assignments running today"),
    json_out: bool = JSON,
) -> None:
    """Assignments of mentors to municipalities, with period, focus modules and goal."""
    today = tallinn_today()
    db = state(ctx).db()
    with db.session() as s:
        mentor_id = people.find_person(s, mentor).id if mentor else None
        muni_id = munis.find_municipality(s, municipality).id if municipality else None
        rows = assignments.list_assignments(
            s, mentor_id=mentor_id, municipality_id=muni_id, active_on=today if active else None
        )
    data: list[dict[str, Any]] = [
        {
            "id": r.id,
            "mentor": r.mentor,
            "municipality": r.municipality,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "active": r.active_on(today),
            "focus_modules": r.focus_modules,
            "goal": r.goal,
        }
        for r in rows
    ]
    if json_out:
        print_json(data)
        return
    print_table(
        [{**d, "active": "yes" if d["active"] else "", "focus_modules": ", ".join(d["focus_modules"])} for d in data],
        [
            ("id", "#"),
            ("mentor", "Mentor"),
            ("municipality", "Municipality"),
            ("start_date", "Start"),
            ("end_date", "End"),
            ("active", "Active"),
            ("focus_modules", "Focus"),
            ("goal", "Goal"),
        ],
        title=f"{len(rows)} assignment{'' if len(rows) == 1 else 's'}",
    )


@app.command("activity")
def activity(
    ctx: typer.Context,
    quarter: str | None = typer.Option(None, "--quarter", help="e.g. 2026Q3; default: the last completed quarter"),
    json_out: bool = JSON,
) -> None:
    """What the mentor network did in a quarter: sessions, hours, follow-ups, mentees' progress."""
    from dataclasses import asdict

    from eits_tracker.mentoring.activity import mentoring_activity
    from eits_tracker.tracking.maturity import last_completed_quarter, previous_quarter, quarter_end

    db = state(ctx).db()
    q = (quarter or last_completed_quarter(utcnow())).strip().upper()
    end = quarter_end(q)
    start = quarter_end(previous_quarter(q))
    with db.session() as s:
        feed = mentoring_activity(s, start=start, end=end, thresholds=state(ctx).settings.maturity_thresholds)
    if json_out:
        print_json({"quarter": q, **asdict(feed)})
        return
    t = feed.totals
    print(
        f"{q}: {t.sessions} session(s), {t.hours:.1f} h; follow-ups opened {t.followups_opened}, "
        f"done {t.followups_done}, dropped {t.followups_dropped}, overdue at the end {t.overdue_at_end}; "
        f"status changes agreed {t.status_changes}"
    )
    print_table(
        [{**asdict(r), "hours": f"{r.hours:.1f}"} for r in feed.mentors],
        [
            ("name", "Mentor"),
            ("home", "Home"),
            ("sessions", "Sessions"),
            ("hours", "Hours"),
            ("mentees", "Mentees met"),
            ("followups_opened", "Opened"),
            ("followups_done", "Done"),
            ("followups_dropped", "Dropped"),
            ("status_changes", "Changes"),
        ],
        title="Mentors",
    )

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    print_table(
        [
            {
                **asdict(r),
                "mentors": ", ".join(r.mentors),
                "hours": f"{r.hours:.1f}",
                "basic": f"{pct(r.basic_at_start)} → {pct(r.basic_at_end)}",
                "level": f"{r.level_at_start} → {r.level_at_end}",
            }
            for r in feed.mentees
        ],
        [
            ("name", "Mentee"),
            ("mentors", "Mentors"),
            ("sessions", "Sessions"),
            ("hours", "Hours"),
            ("followups_opened", "Opened"),
            ("followups_done", "Done"),
            ("overdue_at_end", "Overdue"),
            ("basic", "Basic since start"),
            ("level", "Level"),
        ],
        title="Mentees",
    )
