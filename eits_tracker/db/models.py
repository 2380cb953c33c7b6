"""SQLModel tables. Alembic owns the schema (see db/migrations); never create_all in production.

A status belongs to (target object, measure), never to (municipality, measure):
every municipality has a default target object "the whole organisation", and
more can be added. History rows are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

from eits_tracker.db.types import UTCDateTime
from eits_tracker.timeutil import utcnow

# Stable constraint names: migrations stay identical on SQLite and PostgreSQL.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"default": utcnow}, **kw)


def _json() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))


# --- catalogue ---------------------------------------------------------------------


class Edition(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=40)
    standard: str = Field(max_length=40)
    year: int | None = None
    title: str
    language: str = Field(max_length=10)
    valid_from: date | None = None
    valid_to: date | None = None
    source: str
    attribution: str = ""
    sha256: str = Field(max_length=64)
    notes: list[str] = _json()
    loaded_at: datetime = _ts()


class Layer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("edition_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="edition.id", index=True)
    code: str = Field(max_length=40)
    title: str
    kind: str = Field(max_length=10)
    parent_code: str | None = Field(default=None, max_length=40)


class Module(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("edition_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="edition.id", index=True)
    code: str = Field(max_length=40)
    title: str
    layer_code: str = Field(max_length=40)
    subgroup_code: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=10)
    purpose: str = ""
    responsibility: str = ""
    limits: str = ""


class Measure(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        Index("ix_measure_edition_module", "edition_id", "module_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="edition.id")
    module_id: int = Field(foreign_key="module.id", index=True)
    code: str = Field(max_length=40)
    module_code: str = Field(max_length=40)
    title: str
    level: str = Field(max_length=10)
    responsible: str = ""
    co_assignees: list[str] = _json()
    confidentiality: bool = False
    integrity: bool = False
    availability: bool = False
    lifecycle: str | None = Field(default=None, max_length=20)
    text: str = ""
    threats: list[str] = _json()


class Threat(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("edition_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="edition.id", index=True)
    code: str = Field(max_length=10)
    title: str
    description: str = ""


class Profile(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("edition_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="edition.id", index=True)
    key: str = Field(max_length=20)
    title: str


class ProfilePriority(SQLModel, table=True):
    __tablename__ = "profile_priority"
    __table_args__ = (UniqueConstraint("profile_id", "measure_code"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id")
    measure_code: str = Field(max_length=40)
    priority: str = Field(max_length=2)


# --- municipalities ----------------------------------------------------------------


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ehak_code: str = Field(unique=True, max_length=4)
    name: str = Field(unique=True)
    kind: str = Field(max_length=4)  # linn / vald
    county: str
    county_ehak: str = Field(max_length=4)
    population: int | None = None
    edition_id: int | None = Field(default=None, foreign_key="edition.id")
    approach: str = Field(default="basic", max_length=10)  # basic = põhiturve, standard = standardturve
    version: int = 1
    updated_at: datetime = _ts()


class ModuleApplicability(SQLModel, table=True):
    """A deviation from the default set of modules (the KOV profile): added or excluded, with a reason."""

    __tablename__ = "module_applicability"
    __table_args__ = (UniqueConstraint("municipality_id", "module_code"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    module_code: str = Field(max_length=40)
    applicable: bool
    reason: str = ""
    changed_by: str = ""
    changed_at: datetime = _ts()


class TargetObject(SQLModel, table=True):
    """A sihtobjekt: the whole organisation (default), a server, an application, a room, a network…"""

    __tablename__ = "target_object"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    name: str
    kind: str = Field(default="organisation", max_length=20)
    is_default: bool = False
    description: str = ""
    created_at: datetime = _ts()


class TargetObjectModule(SQLModel, table=True):
    """A module applied to a (non-default) target object."""

    __tablename__ = "target_object_module"
    __table_args__ = (UniqueConstraint("target_object_id", "module_code"),)
    id: int | None = Field(default=None, primary_key=True)
    target_object_id: int = Field(foreign_key="target_object.id")
    module_code: str = Field(max_length=40)


# --- statuses ----------------------------------------------------------------------


class MeasureStatus(SQLModel, table=True):
    """The current status of one measure on one target object. No row means not assessed."""

    __tablename__ = "measure_status"
    __table_args__ = (UniqueConstraint("target_object_id", "measure_id"),)
    id: int | None = Field(default=None, primary_key=True)
    target_object_id: int = Field(foreign_key="target_object.id")
    measure_id: int = Field(foreign_key="measure.id", index=True)
    status: str = Field(default="not_assessed", max_length=20)
    justification: str = ""
    approved_by: str = ""
    approval_date: date | None = None
    decision_ref: str = ""
    review_date: date | None = None
    owner: str = ""
    due_date: date | None = None
    implementation: str = ""
    remaining: str = ""
    priority: str = Field(default="", max_length=10)
    cost_eur: float | None = None
    next_review: date | None = None
    note: str = ""
    evidence: list[str] = _json()
    needs_review: bool = False
    review_reason: str = ""
    archived: bool = False
    version: int = 1
    updated_by: str = ""
    updated_at: datetime = _ts()


class StatusHistory(SQLModel, table=True):
    """One change of a status. Append-only: rows are never updated or deleted."""

    __tablename__ = "status_history"
    __table_args__ = (
        Index("ix_status_history_muni_time", "municipality_id", "changed_at"),
        Index("ix_status_history_status_time", "status_id", "changed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    status_id: int = Field(foreign_key="measure_status.id")
    municipality_id: int = Field(foreign_key="municipality.id")
    target_object_id: int = Field(foreign_key="target_object.id")
    measure_code: str = Field(max_length=40)
    edition_key: str = Field(max_length=40)
    changed_at: datetime = _ts()
    changed_by: str = ""
    source: str = Field(default="cli", max_length=20)
    old_status: str | None = Field(default=None, max_length=20)
    new_status: str = Field(max_length=20)
    note: str = ""
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    #: The mentoring session in which the change was agreed (source "session").
    session_id: int | None = Field(default=None, foreign_key="mentor_session.id", index=True)


class StatusSnapshot(SQLModel, table=True):
    """A municipality's statuses as of a completed quarter's end, kept so that reading a past
    quarter does not replay the history each time (``tracking.snapshots``).

    Derived data: it is used only while ``history_count`` and ``history_max_id`` still describe the
    municipality's history rows up to ``at`` (the history is append-only, so any row added with a
    time up to ``at`` changes them), otherwise computed again and replaced.
    """

    __tablename__ = "status_snapshot"
    __table_args__ = (UniqueConstraint("municipality_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    at: datetime = Field(sa_type=UTCDateTime)
    history_count: int
    history_max_id: int
    #: zlib-compressed JSON: {target object id: {status: [measure code, ...]}}, not_assessed and
    #: archived left out (at 1,000 organisations about 9 kB of JSON each, 2.8 kB compressed)
    statuses: bytes = Field(sa_type=LargeBinary)
    made_at: datetime = _ts()


class EditionMigration(SQLModel, table=True):
    """A municipality's move from one edition to another, with what happened to its statuses."""

    __tablename__ = "edition_migration"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    from_edition_id: int = Field(foreign_key="edition.id")
    to_edition_id: int = Field(foreign_key="edition.id")
    migrated_at: datetime = _ts()
    migrated_by: str = ""
    kept: int = 0
    flagged: int = 0
    archived: int = 0
    added: int = 0


# --- mentor network ----------------------------------------------------------------


class Person(SQLModel, table=True):
    """A specialist, mentor or municipality contact. ``login`` maps a database/OS login to the person."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str = Field(unique=True, max_length=254)  # stored lower-case
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    roles: list[str] = _json()  # specialist, mentor, contact
    expertise: list[str] = _json()  # layer or module codes (ORP, CON.3)
    login: str | None = Field(default=None, unique=True, max_length=63)
    active: bool = True
    version: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Assignment(SQLModel, table=True):
    """A mentor helping a mentee municipality from start_date to end_date (inclusive)."""

    __table_args__ = (Index("ix_assignment_mentee_start", "municipality_id", "start_date"),)
    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="person.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    start_date: date
    end_date: date
    focus_modules: list[str] = _json()
    goal: str = ""
    created_by: str = ""
    created_at: datetime = _ts()
    version: int = 1


class MentorSession(SQLModel, table=True):
    """One recorded mentoring session. Status changes agreed in it are history rows with its id."""

    __tablename__ = "mentor_session"
    __table_args__ = (Index("ix_mentor_session_muni_time", "municipality_id", "held_at"),)
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")  # the mentee, as in the assignment
    mentor_id: int = Field(foreign_key="person.id", index=True)
    held_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int
    format: str = Field(max_length=10)  # on_site, video, phone
    participants: list[str] = _json()
    modules: list[str] = _json()
    measures: list[str] = _json()
    notes: str = ""
    recorded_by: str = ""
    recorded_at: datetime = _ts()
    version: int = 1


class FollowUp(SQLModel, table=True):
    """Something promised in a session: open until done or dropped (with a reason)."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_state_due", "state", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="mentor_session.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    description: str
    measure_code: str | None = Field(default=None, max_length=40)
    owner: str = ""
    due_date: date
    state: str = Field(default="open", max_length=10)  # open, done, dropped
    reason: str = ""
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str = ""
    closed_in_session_id: int | None = Field(default=None, foreign_key="mentor_session.id")
    created_at: datetime = _ts()
    version: int = 1


class Draft(SQLModel, table=True):
    """Unsaved form content (a session being recorded), kept until saved or discarded."""

    __table_args__ = (UniqueConstraint("owner", "kind", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    owner: str
    kind: str = Field(max_length=20)
    key: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    updated_at: datetime = _ts()


class PermissionChange(SQLModel, table=True):
    """Who was given or lost which role, when and by whom. Append-only, like the status history."""

    __tablename__ = "permission_change"
    id: int | None = Field(default=None, primary_key=True)
    changed_at: datetime = _ts()
    changed_by: str = ""
    login: str = Field(max_length=63)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=20)  # add, grant, revoke, disable, enable
    role: str = Field(default="", max_length=20)
    note: str = ""


# --- best-practice wiki ------------------------------------------------------------


class WikiPage(SQLModel, table=True):
    """A best-practice page: Markdown linked to the catalogue. Every save is also a WikiRevision."""

    __tablename__ = "wiki_page"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=80)
    title: str = Field(max_length=200)
    body: str = ""
    tags: list[str] = _json()
    modules: list[str] = _json()  # module codes the page is about (front matter), besides [[links]]
    measures: list[str] = _json()
    author: str = ""  # the author's name as shown
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    created_at: datetime = _ts()
    created_by: str = ""  # login
    updated_at: datetime = _ts()
    updated_by: str = ""  # login
    version: int = 1


class WikiRevision(SQLModel, table=True):
    """The full content of a page as saved. Append-only, like the status history."""

    __tablename__ = "wiki_revision"
    __table_args__ = (UniqueConstraint("page_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="wiki_page.id", index=True)
    version: int
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    body: str = ""
    tags: list[str] = _json()
    modules: list[str] = _json()
    measures: list[str] = _json()
    author: str = ""
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    edited_at: datetime = _ts()
    edited_by: str = ""  # login
    note: str = ""  # "created", "restored version 3", "imported from …"


class WikiRef(SQLModel, table=True):
    """What a page cites (front matter and [[links]]): module, measure or page. Rebuilt on every save."""

    __tablename__ = "wiki_ref"
    __table_args__ = (
        UniqueConstraint("page_id", "kind", "target"),
        Index("ix_wiki_ref_kind_target", "kind", "target"),
    )
    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="wiki_page.id")
    kind: str = Field(max_length=10)  # module, measure, page
    target: str = Field(max_length=80)
