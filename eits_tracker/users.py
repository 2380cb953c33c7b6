"""Users: a person with a login and roles; on PostgreSQL also the database login itself.

``add_user`` creates (or links) the person and, on PostgreSQL, a LOGIN role in the group
``eits_user`` (migration 0005), so the person connects as themselves and row-level security
applies. ``grant``/``revoke`` change the person's roles. Every change is a PermissionChange
row (append-only) and only an administrator may make one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import access_of, require_admin
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.mentoring.people import add_person
from eits_tracker.mentoring.vocab import parse_role
from eits_tracker.text import estonian_key
from eits_tracker.tracking import municipalities as munis

GROUP = "eits_user"
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")


@dataclass(frozen=True)
class UserRow:
    login: str
    name: str
    email: str
    municipality: str
    roles: list[str]
    active: bool
    database_login: bool | None  # PostgreSQL: the login exists; SQLite: None


def _check_login(login: str) -> str:
    login = login.strip()
    if not _LOGIN.match(login):
        raise ValidationError(
            f"login: {login!r} is not a usable login; use lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter (e.g. kadri.tamm).",
            field="login",
        )
    return login


def _record(session: Session, person: m.Person | None, login: str, action: str, role: str = "", note: str = "") -> None:
    access = access_of(session)
    session.add(
        m.PermissionChange(
            changed_by=access.login if not access.superuser else access.name,
            login=login,
            person_id=person.id if person else None,
            action=action,
            role=role,
            note=note,
        )
    )


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _create_login(session: Session, login: str, password: str | None) -> None:
    from psycopg import sql

    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,))
    if cursor.fetchone() is None:
        statement = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login))
        if password:
            statement = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(login), sql.Literal(password))
        cursor.execute(statement)
    cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP), sql.Identifier(login)))


def add_user(
    session: Session,
    *,
    login: str,
    name: str,
    email: str,
    roles: Iterable[str],
    municipality: str | None = None,
    password: str | None = None,
) -> m.Person:
    """A new user, or a login for an existing person (same e-mail). The caller commits; on
    PostgreSQL the login is created in the same transaction (DDL is transactional there)."""
    require_admin(session, "add users")
    login = _check_login(login)
    taken = session.scalars(select(m.Person).where(m.Person.login == login)).first()
    if taken is not None:
        raise ValidationError(f"login: {login!r} already belongs to {taken.name}.", field="login")
    keys = list(dict.fromkeys(parse_role(r) for r in roles))
    if not keys:
        raise ValidationError("role: give at least one role (specialist, mentor, contact, viewer).", field="role")
    person = session.scalars(select(m.Person).where(m.Person.email == email.strip().lower())).first()
    created = person is None
    if person is None:
        person = add_person(session, name=name, email=email, municipality=municipality, roles=keys, login=login)
    else:
        if person.login and person.login != login:
            raise ValidationError(
                f"login: {person.name} already has the login {person.login!r}; one person, one login.", field="login"
            )
        if municipality:
            person.municipality_id = munis.find_municipality(session, municipality).id
        if "contact" in keys and person.municipality_id is None:
            raise ValidationError(
                f"municipality: {person.name} has no home municipality; a contact needs one (--municipality).",
                field="municipality",
            )
        person.login = login
        person.roles = list(dict.fromkeys([*person.roles, *keys]))
        person.version += 1
        session.add(person)
        session.flush()
    if _postgres(session):
        _create_login(session, login, password)
    if not created:  # add_person records a new person's roles itself
        _record(session, person, login, "add", ",".join(keys))
    session.flush()
    return person


def _person(session: Session, login: str) -> m.Person:
    person = session.scalars(select(m.Person).where(m.Person.login == login.strip())).first()
    if person is None:
        raise NotFoundError(f"no user with login {login!r}; see 'eits-tracker user list'.", field="login")
    return person


def grant(session: Session, login: str, role: str) -> m.Person:
    require_admin(session, "grant roles")
    person, key = _person(session, login), parse_role(role)
    if key in person.roles:
        raise ValidationError(f"{person.name} already has the role {key}.", field="role")
    if key == "contact" and person.municipality_id is None:
        raise ValidationError(f"{person.name} has no home municipality: a contact needs one.", field="role")
    person.roles = [*person.roles, key]
    person.version += 1
    session.add(person)
    _record(session, person, person.login or login, "grant", key)
    session.flush()
    return person


def revoke(session: Session, login: str, role: str) -> m.Person:
    require_admin(session, "revoke roles")
    person, key = _person(session, login), parse_role(role)
    if key not in person.roles:
        raise ValidationError(f"{person.name} does not have the role {key}.", field="role")
    person.roles = [r for r in person.roles if r != key]
    person.version += 1
    session.add(person)
    _record(session, person, person.login or login, "revoke", key)
    session.flush()
    return person


def set_active(session: Session, login: str, active: bool) -> m.Person:
    """Disable a user (keeps the person, their history and their sessions; on PostgreSQL the login
    can no longer connect) or enable them again."""
    require_admin(session, "disable or enable users")
    person = _person(session, login)
    if person.active == active:
        raise ValidationError(f"{person.name} is already {'enabled' if active else 'disabled'}.", field="login")
    person.active = active
    person.version += 1
    session.add(person)
    if _postgres(session):
        from psycopg import sql

        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (person.login,))
        if cursor.fetchone() is not None:
            option = sql.SQL("LOGIN" if active else "NOLOGIN")
            cursor.execute(sql.SQL("ALTER ROLE {} {}").format(sql.Identifier(person.login or login), option))
    _record(session, person, person.login or login, "enable" if active else "disable")
    session.flush()
    return person


def list_users(session: Session) -> list[UserRow]:
    homes = dict(session.execute(select(m.Municipality.id, m.Municipality.name)).all())
    logins: set[str] | None = None
    if _postgres(session):
        from sqlalchemy import text

        logins = set(session.execute(text("SELECT rolname FROM pg_roles WHERE rolcanlogin")).scalars().all())
    rows = [
        UserRow(
            login=p.login or "",
            name=p.name,
            email=p.email,
            municipality=homes.get(p.municipality_id, "") if p.municipality_id else "",
            roles=list(p.roles),
            active=p.active,
            database_login=None if logins is None else (p.login in logins),
        )
        for p in session.scalars(select(m.Person).where(m.Person.login.is_not(None))).all()  # type: ignore[union-attr]
    ]
    return sorted(rows, key=lambda r: estonian_key(r.name))


@dataclass(frozen=True)
class PermissionRow:
    changed_at: datetime
    changed_by: str
    login: str
    action: str
    role: str
    note: str
