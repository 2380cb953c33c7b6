"""``eits-tracker user add|grant|revoke|list`` and ``eits-tracker audit``."""

from __future__ import annotations

from typing import Any

import typer

from eits_tracker.cli.common import err, print_json, print_table, state
from eits_tracker.cli.mentor import split_list
from eits_tracker.timeutil import TALLINN, parse_date

app = typer.Typer(
    help="Users and their roles: specialist (administrator), mentor, contact, viewer. "
    "On PostgreSQL each user gets a database login of their own.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="The login (PostgreSQL: the database login created for them)"),
    name: str = typer.Option(..., "--name", help="Full name"),
    email: str = typer.Option(..., "--email", help="E-mail; an existing person with it gets the login"),
    role: list[str] = typer.Option(["viewer"], "--role", help="specialist, mentor, contact, viewer (repeatable)"),
    municipality: str | None = typer.Option(None, "--municipality", help="Home municipality (a contact needs it)"),
    password: str | None = typer.Option(
        None, "--password", envvar="EITS_NEW_PASSWORD", help="PostgreSQL login password (or EITS_NEW_PASSWORD)"
    ),
) -> None:
    """Create a user (and on PostgreSQL their database login in the group eits_user)."""
    from eits_tracker.users import add_user

    db = state(ctx).db()
    with db.session() as s:
        person = add_user(
            s, login=login, name=name, email=email, roles=split_list(role), municipality=municipality, password=password
        )
        s.commit()
        print(f"{person.name}: login {person.login}, roles {', '.join(person.roles)}")


def _change(ctx: typer.Context, change: Any, *args: Any, said: str | None = None) -> None:
    """One user change in one transaction; prints the person's roles (or ``said``) afterwards."""
    db = state(ctx).db()
    with db.session() as s:
        person = change(s, *args)
        s.commit()
        print(f"{person.name}: {said or ', '.join(person.roles) or 'no role'}")


@app.command("grant")
def grant(ctx: typer.Context, login: str, role: str) -> None:
    """Give a user a role."""
    from eits_tracker.users import grant as do

    _change(ctx, do, login, role)


@app.command("revoke")
def revoke(ctx: typer.Context, login: str, role: str) -> None:
    """Take a role away from a user."""
    from eits_tracker.users import revoke as do

    _change(ctx, do, login, role)


@app.command("disable")
def disable(ctx: typer.Context, login: str) -> None:
    """Disable a user: their history stays, they can no longer work (on PostgreSQL: no login)."""
    from eits_tracker.users import set_active

    _change(ctx, set_active, login, False, said="disabled")


@app.command("enable")
def enable(ctx: typer.Context, login: str) -> None:
    """Enable a disabled user again."""
    from eits_tracker.users import set_active

    _change(ctx, set_active, login, True, said="enabled")


@app.command("list")
def list_(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Users with their logins and roles (and whether the database login exists)."""
    from dataclasses import asdict

    from eits_tracker.users import list_users

    db = state(ctx).db()
    with db.session() as s:
        rows = [asdict(r) for r in list_users(s)]
    if json_out:
        print_json(rows)
        return
    print_table(
        [
            {
                **r,
                "roles": ", ".join(r["roles"]),
                "database_login": {None: "", True: "yes", False: "MISSING"}[r["database_login"]],
            }
            for r in rows
        ],
        [
            ("login", "Login"),
            ("name", "Name"),
            ("email", "E-mail"),
            ("municipality", "Municipality"),
            ("roles", "Roles"),
            ("database_login", "DB login"),
        ],
    )


def audit_command(
    ctx: typer.Context,
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality"),
    since: str | None = typer.Option(None, "--since", help="From this day on, YYYY-MM-DD (Tallinn)"),
    limit: int = typer.Option(1000, "--limit", help="At most this many entries, newest first"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Who changed what and when: statuses, sessions, follow-ups, scope, editions, permissions."""
    from datetime import datetime, time

    from eits_tracker.audit import audit
    from eits_tracker.tracking.municipalities import find_municipality

    start = datetime.combine(parse_date(since, field="since"), time(), TALLINN) if since else None
    db = state(ctx).db()
    with db.session() as s:
        mid = find_municipality(s, municipality).id if municipality else None
        entries = audit(s, municipality_id=mid, since=start, limit=limit)
    data: list[dict[str, Any]] = [e.as_dict() for e in entries]
    if json_out:
        print_json(data)
        return
    if not data:
        err("nothing recorded" + (" since then" if since else ""))
        return
    print_table(
        [{**d, "at": d["at"].astimezone(TALLINN).strftime("%Y-%m-%d %H:%M")} for d in data],
        [
            ("at", "When (Tallinn)"),
            ("who", "Who"),
            ("kind", "What"),
            ("municipality", "Municipality"),
            ("what", "Change"),
        ],
    )
