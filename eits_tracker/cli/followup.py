"""``eits-tracker followup list|close``: what mentoring sessions promised, and closing it."""

from __future__ import annotations

import typer

from eits_tracker.cli.common import print_json, print_table, state
from eits_tracker.cli.mentor import tallinn_today
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.mentoring import followups, people
from eits_tracker.tracking import municipalities as munis

app = typer.Typer(help="Follow-ups agreed in mentoring sessions: list, close, drop.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")


def days_text(days_left: int, state_key: str) -> str:
    """'in 5 d', 'today', '3 d overdue' — only open follow-ups can be late."""
    if state_key != "open":
        return ""
    if days_left > 0:
        return f"in {days_left} d"
    return "today" if days_left == 0 else f"{-days_left} d overdue"


@app.command("list")
def list_(
    ctx: typer.Context,
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality's (EHAK or name)"),
    mentor: str | None = typer.Option(
        None, "--mentor", help="Only those agreed in this mentor's sessions (id, e-mail, login or name)"
    ),
    overdue: bool = typer.Option(False, "--overdue", help="Only open ones past their due date (Tallinn today)"),
    all_: bool = typer.Option(False, "--all", help="Every state (open, done, dropped), not only open ones"),
    json_out: bool = JSON,
) -> None:
    """Open follow-ups, soonest due first, with days left or overdue."""
    db = state(ctx).db()
    with db.session() as s:
        muni_id = munis.find_municipality(s, municipality).id if municipality else None
        mentor_id = people.find_person(s, mentor).id if mentor else None
        rows = followups.list_followups(
            s,
            today=tallinn_today(),
            municipality_id=muni_id,
            mentor_id=mentor_id,
            states=None if all_ else ("open",),
            overdue=overdue,
        )
    if json_out:
        print_json([r.as_dict() for r in rows])
        return
    columns = [
        ("id", "#"),
        ("due_date", "Due"),
        ("days", "Days"),
        ("municipality", "Municipality"),
        ("description", "Description"),
        ("measure", "Measure"),
        ("owner", "Owner"),
        ("mentor", "Mentor"),
    ]
    if all_:
        columns.insert(3, ("state", "State"))
    what = "overdue" if overdue else ("" if all_ else "open")
    print_table(
        [{**r.as_dict(), "days": days_text(r.days_left, r.state)} for r in rows],
        columns,
        title=f"{len(rows)} {what + ' ' if what else ''}follow-up{'' if len(rows) == 1 else 's'}",
    )


@app.command("close")
def close(
    ctx: typer.Context,
    followup_id: int = typer.Argument(..., metavar="ID", help="The follow-up's number (see 'followup list')"),
    done: bool = typer.Option(False, "--done", help="It was done (the default)"),
    drop: str | None = typer.Option(
        None, "--drop", metavar="REASON", help="It will not be done; the reason is required"
    ),
    reopen: bool = typer.Option(False, "--reopen", help="Open a closed follow-up again"),
) -> None:
    """Close a follow-up as done (default), drop it with a reason, or reopen it."""
    if done + (drop is not None) + reopen > 1:
        raise ValidationError("give only one of --done, --drop REASON and --reopen.", field="state")
    if drop is not None and not drop.strip():
        raise ValidationError(f"drop: say why follow-up #{followup_id} is dropped: --drop 'the reason'.", field="drop")
    new_state = "dropped" if drop is not None else "open" if reopen else "done"
    db = state(ctx).db()
    with db.session() as s:
        before = s.get(m.FollowUp, followup_id)
        old_state = before.state if before is not None else ""
        fu = followups.close_followup(s, followup_id, state=new_state, actor=db.actor, reason=drop or "")
        s.commit()
        print(f"follow-up #{fu.id}: {old_state} → {fu.state}" + (f" ({fu.reason})" if fu.reason else ""))
