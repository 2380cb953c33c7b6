"""People of the network: specialists, mentors and municipality contacts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.access import require_admin
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.mentoring.vocab import parse_role
from eits_tracker.text import estonian_key, fold
from eits_tracker.timeutil import TALLINN, utcnow
from eits_tracker.tracking import municipalities as munis

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str
    municipality: str  # home municipality name, "" for none
    roles: list[str]
    expertise: list[str]
    login: str | None
    active_mentees: list[str]  # names of municipalities under an active assignment


def _expertise(session: Session, codes: Iterable[str]) -> list[str]:
    """Layer or module codes known in some edition; an unknown one is an error that says what exists."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    if not wanted:
        return []
    layers = set(session.scalars(select(m.Layer.code).where(m.Layer.code.in_(wanted))).all())  # type: ignore[attr-defined]
    modules = set(session.scalars(select(m.Module.code).where(m.Module.code.in_(wanted))).all())  # type: ignore[attr-defined]
    unknown = [c for c in wanted if c not in layers | modules]
    if unknown:
        raise ValidationError(
            f"expertise: {', '.join(unknown)} is neither a layer (ORP, CON, OPS, …) nor a module (ORP.4, CON.3, …) "
            "of any loaded E-ITS edition.",
            field="expertise",
        )
    return wanted


def add_person(
    session: Session,
    *,
    name: str,
    email: str,
    municipality: str | None = None,
    roles: Iterable[str] = ("mentor",),
    expertise: Iterable[str] = (),
    login: str | None = None,
) -> m.Person:
    """A new person. The caller commits."""
    require_admin(session, "add people to the network")
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name: a person needs a name.", field="name")
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationError(f"email: {email!r} is not an e-mail address (name@example.ee).", field="email")
    if session.scalar(select(m.Person.id).where(m.Person.email == email)) is not None:
        raise ValidationError(
            f"email: {email} already belongs to someone; see 'eits-tracker mentor list'.", field="email"
        )
    login = login.strip() if login else None
    if login and session.scalar(select(m.Person.id).where(m.Person.login == login)) is not None:
        raise ValidationError(f"login: {login!r} already belongs to someone.", field="login")
    role_keys = list(dict.fromkeys(parse_role(r) for r in roles))
    if not role_keys:
        raise ValidationError("role: give at least one role (specialist, mentor, contact).", field="role")
    home = munis.find_municipality(session, municipality) if municipality else None
    if "contact" in role_keys and home is None:
        raise ValidationError("municipality: a municipality contact needs their municipality.", field="municipality")
    person = m.Person(
        name=name,
        email=email,
        municipality_id=home.id if home else None,
        roles=role_keys,
        expertise=_expertise(session, expertise),
        login=login,
    )
    session.add(person)
    session.flush()
    # Roles are permissions: the audit trail shows who gave them, also when given with the person.
    from eits_tracker.access import access_of

    access = access_of(session)
    session.add(
        m.PermissionChange(
            changed_by=access.name if access.superuser else access.login,
            login=login or email,
            person_id=person.id,
            action="add",
            role=",".join(role_keys),
        )
    )
    session.flush()
    return person


def find_person(session: Session, ref: str | int, *, role: str | None = None) -> m.Person:
    """By id (12 or '#12'), e-mail, login, or a unique (part of a) name, case and accents ignored."""
    text = str(ref).strip()
    found: m.Person | None = None
    if text.lstrip("#").isdigit():
        found = session.get(m.Person, int(text.lstrip("#")))
    if found is None:
        found = session.scalars(
            select(m.Person).where((m.Person.email == text.lower()) | (m.Person.login == text))
        ).first()
    if found is None:
        people = list(session.scalars(select(m.Person)).all())
        key = fold(text)
        exact = [p for p in people if fold(p.name) == key]
        partial = exact or [p for p in people if key and key in fold(p.name)]
        if len(partial) == 1:
            found = partial[0]
        elif partial:
            names = ", ".join(f"{p.name} <{p.email}>" for p in sorted(partial, key=lambda p: estonian_key(p.name))[:6])
            raise ValidationError(f"{text!r} matches several people: {names}; give the e-mail.", field="person")
    if found is None:
        raise NotFoundError(f"no person {text!r}; list them with 'eits-tracker mentor list'.", field="person")
    if role and role not in found.roles:
        raise ValidationError(
            f"{found.name} is not a {role} (roles: {', '.join(found.roles) or 'none'}).", field="person"
        )
    return found


def person_for_login(session: Session, login: str) -> m.Person | None:
    """The person behind a login (database login or OS user): by login, else by e-mail."""
    if not login:
        return None
    return session.scalars(
        select(m.Person).where((m.Person.login == login) | (m.Person.email == login.lower())).order_by(m.Person.id)
    ).first()


def list_people(session: Session, *, role: str | None = None, today: date | None = None) -> list[PersonRow]:
    """Everyone (or those with a role), in Estonian alphabetical order, with their active mentees."""
    today = today or utcnow().astimezone(TALLINN).date()
    role_key = parse_role(role) if role else None
    homes = dict(session.execute(select(m.Municipality.id, m.Municipality.name)).all())
    mentees: dict[int, list[str]] = {}
    active = session.execute(
        select(m.Assignment.mentor_id, m.Assignment.municipality_id).where(
            m.Assignment.start_date <= today, m.Assignment.end_date >= today
        )
    ).all()
    for mentor_id, muni_id in active:
        mentees.setdefault(mentor_id, []).append(homes[muni_id])
    rows = []
    for p in session.scalars(select(m.Person)).all():
        if role_key and role_key not in p.roles:
            continue
        rows.append(
            PersonRow(
                id=p.id,  # type: ignore[arg-type]
                name=p.name,
                email=p.email,
                municipality=homes.get(p.municipality_id, "") if p.municipality_id else "",
                roles=list(p.roles),
                expertise=list(p.expertise),
                login=p.login,
                active_mentees=sorted(set(mentees.get(p.id, [])), key=estonian_key),  # type: ignore[arg-type]
            )
        )
    return sorted(rows, key=lambda r: estonian_key(r.name))


def count_people(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(m.Person)) or 0
