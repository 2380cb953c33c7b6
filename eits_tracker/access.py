"""Who may read and change what: identity, roles, and the checks every domain function makes.

Identity: on PostgreSQL the person is the database login (``current_user``) mapped to a person
record by its ``login``; a database superuser (who bypasses row-level security anyway) is an
administrator. On SQLite the local user owns the file and is its administrator.

Roles (``person.roles``):

- **specialist** — the ELVL information-security specialist, the administrator: everything;
- **mentor** — reads every municipality's summary (the dashboard); reads the details of, and
  writes statuses, sessions and follow-ups for, the mentees under an active assignment (today
  within its period, Tallinn time);
- **contact** — a municipality's contact person: reads and writes only their own municipality;
- **viewer** — reads everything, changes nothing (reports).

Every domain function that reads or writes a municipality's data asks the session's
:class:`Access` (``session.info["access"]``, set by ``Database.session()``); a session made
without one — a test, a script on a file of one's own — is the local administrator. On
PostgreSQL the same rules are enforced again by the database (row-level security, migration
0005), so they hold for someone with a ``psql`` prompt too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eits_tracker.errors import EitsError

ADMIN, MENTOR, CONTACT, VIEWER = "specialist", "mentor", "contact", "viewer"


class NotPermitted(EitsError):
    title = "Not permitted"


@dataclass(frozen=True)
class Access:
    login: str
    name: str = ""
    roles: frozenset[str] = frozenset()
    person_id: int | None = None
    home_id: int | None = None
    mentees: frozenset[int] = field(default_factory=frozenset)
    #: The SQLite file's owner or a PostgreSQL superuser: everything, whatever the roles say.
    superuser: bool = False

    @property
    def is_admin(self) -> bool:
        return self.superuser or ADMIN in self.roles

    def describe(self) -> str:
        roles = ", ".join(sorted(self.roles)) or "no role"
        return f"{self.name or self.login} ({'administrator' if self.is_admin else roles})"

    # --- municipalities ----------------------------------------------------------------

    def can_read_summary(self, municipality_id: int) -> bool:
        """The dashboard's numbers of a municipality."""
        return (
            self.is_admin
            or VIEWER in self.roles
            or MENTOR in self.roles
            or (CONTACT in self.roles and municipality_id == self.home_id)
        )

    def can_read(self, municipality_id: int) -> bool:
        """A municipality's statuses, notes, sessions and follow-ups."""
        return (
            self.is_admin
            or VIEWER in self.roles
            or (MENTOR in self.roles and municipality_id in self.mentees)
            or (CONTACT in self.roles and municipality_id == self.home_id)
        )

    def can_write(self, municipality_id: int) -> bool:
        """Statuses, scope and target objects of a municipality."""
        return (
            self.is_admin
            or (MENTOR in self.roles and municipality_id in self.mentees)
            or (CONTACT in self.roles and municipality_id == self.home_id)
        )

    def can_record_session(self, municipality_id: int) -> bool:
        return self.is_admin or (MENTOR in self.roles and municipality_id in self.mentees)

    def can_close_followup(self, municipality_id: int) -> bool:
        """The mentor who agreed it, or the municipality that was to do it."""
        return self.can_record_session(municipality_id) or (CONTACT in self.roles and municipality_id == self.home_id)

    @property
    def reads_all(self) -> bool:
        """Every municipality's details are readable: no filter needed."""
        return self.is_admin or VIEWER in self.roles

    def _detail_ids(self) -> list[int]:
        """The municipalities whose details a reader who does not read everything may see."""
        ids = set(self.mentees) if MENTOR in self.roles else set()
        if CONTACT in self.roles and self.home_id is not None:
            ids.add(self.home_id)
        return sorted(ids)

    def readable_filter(self, column: Any) -> Any:
        """A WHERE clause keeping rows of readable municipalities (None: no filter needed)."""
        return None if self.reads_all else column.in_(self._detail_ids())

    def readable_ids_sql(self) -> str | None:
        """The same as a SQL fragment for hand-written queries (ids are integers: safe to inline)."""
        if self.reads_all:
            return None
        ids = self._detail_ids()
        return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"

    def readable(self, municipality_ids: Iterable[int], *, summary: bool = False) -> set[int]:
        check = self.can_read_summary if summary else self.can_read
        return {mid for mid in municipality_ids if check(mid)}


def local_access(user: str) -> Access:
    """The owner of a SQLite file: its administrator."""
    return Access(login=user, name=user, roles=frozenset({ADMIN}), superuser=True)


LOCAL = local_access("local")


NOBODY = Access(login="unknown")


def access_of(session: Any) -> Access:
    """The session's Access; a session without one is the local administrator (a test, a script
    on one's own file). Something else in its place fails closed: no rights at all."""
    info = getattr(session, "info", None)
    if not info or "access" not in info:
        return LOCAL
    found = info["access"]
    return found if isinstance(found, Access) else NOBODY


def _refuse(access: Access, what: str) -> NotPermitted:
    return NotPermitted(
        f"{access.describe()} may not {what}. Ask an ELVL administrator for the role you need "
        "('eits-tracker user grant')."
    )


def require_read(session: Any, municipality_id: int, name: str = "") -> None:
    access = access_of(session)
    if not access.can_read(municipality_id):
        raise _refuse(access, f"read the statuses of {name or f'municipality #{municipality_id}'}")


def require_write(session: Any, municipality_id: int, name: str = "") -> None:
    access = access_of(session)
    if not access.can_write(municipality_id):
        raise _refuse(access, f"change the statuses of {name or f'municipality #{municipality_id}'}")


def require_session(session: Any, municipality_id: int, name: str = "") -> None:
    access = access_of(session)
    if not access.can_record_session(municipality_id):
        raise _refuse(
            access,
            f"record mentoring sessions for {name or f'municipality #{municipality_id}'} "
            "(a mentor needs an active assignment to it)",
        )


def require_close(session: Any, municipality_id: int, name: str = "") -> None:
    access = access_of(session)
    if not access.can_close_followup(municipality_id):
        raise _refuse(access, f"close follow-ups of {name or f'municipality #{municipality_id}'}")


def require_admin(session: Any, what: str) -> None:
    access = access_of(session)
    if not access.is_admin:
        raise _refuse(access, what)


def resolve(session: Any, *, user: str) -> Access:
    """The access of whoever this session's connection belongs to (see the module docstring)."""
    from datetime import date

    from sqlalchemy import select, text

    from eits_tracker.db import models as m
    from eits_tracker.timeutil import TALLINN, utcnow

    if session.get_bind().dialect.name != "postgresql":
        return local_access(user)
    login, superuser = session.execute(
        text("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
    ).one()
    from sqlalchemy.exc import SQLAlchemyError

    try:
        person = session.scalars(select(m.Person).where(m.Person.login == login)).first()
    except SQLAlchemyError:  # not migrated yet: nothing to protect, nothing to read
        session.rollback()
        person = None
    if person is None or not person.active:
        if superuser:
            return Access(login=user, name=user, roles=frozenset({ADMIN}), superuser=True)
        return Access(login=login, name=login)
    today: date = utcnow().astimezone(TALLINN).date()
    mentees = session.scalars(
        select(m.Assignment.municipality_id).where(
            m.Assignment.mentor_id == person.id, m.Assignment.start_date <= today, m.Assignment.end_date >= today
        )
    ).all()
    return Access(
        login=login,
        name=person.name,
        roles=frozenset(person.roles),
        person_id=person.id,
        home_id=person.municipality_id,
        mentees=frozenset(mentees),
        superuser=bool(superuser),
    )
