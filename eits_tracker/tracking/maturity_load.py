"""What the maturity model reads once per computation: editions with their modules and measures,
municipalities with their scope, targets and current statuses — a handful of set-based queries
for all municipalities at once (``tracking.maturity`` evaluates them in plain Python).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Column, Select, String, cast, func, select
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlmodel import Session, SQLModel

from eits_tracker.db import models as m
from eits_tracker.tracking import municipalities as munis


@dataclass
class _Module:
    kind: str
    #: [(measure id, code, level)] in catalogue order
    measures: list[tuple[int, str, str]] = field(default_factory=list)
    #: level -> measure ids, in catalogue order
    ids: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class _Edition:
    profile: set[str]
    #: module code -> its measures, in catalogue order
    modules: dict[str, _Module] = field(default_factory=dict)
    #: measure code -> id
    id_of: dict[str, int] = field(default_factory=dict)
    ids: frozenset[int] = frozenset()

    @cached_property
    def code_of(self) -> dict[int, str]:
        """Measure id -> code (``id_of`` turned round)."""
        return {mid: code for code, mid in self.id_of.items()}


#: History rows after a moment cost about this many rows before it when the statuses as of the moment
#: are worked out (``maturity._past_is_cheaper``, ``snapshots._onward``). Measured on 1,000 × 12 (CPU):
#: the one-pass sweep wins up to about 4 rows before T per row after it.
_LATER_WEIGHT = 4


@dataclass
class _Muni:
    id: int
    ehak_code: str
    name: str
    kind: str
    county: str
    approach: str
    edition_id: int | None
    overrides: dict[str, bool] = field(default_factory=dict)
    default_target: int | None = None
    #: module code -> [(target id, created_at)] of the target objects carrying it
    carriers: dict[str, list[tuple[int, datetime]]] = field(default_factory=dict)
    #: [(migrated_at, from edition, to edition)], oldest first
    migrations: list[tuple[datetime, int, int]] = field(default_factory=list)

    def applicable(self, edition: _Edition) -> set[str]:
        """The edition's KOV-profile modules, plus added, minus excluded (as munis.applicable_modules)."""
        added = {code for code, ok in self.overrides.items() if ok}
        return (edition.profile | added) - {code for code, ok in self.overrides.items() if not ok}

    def edition_at(self, at: datetime | None) -> int | None:
        if at is None or not self.migrations:
            return self.edition_id
        edition = self.migrations[0][1]
        for when, _from, to in self.migrations:
            if when <= at:
                edition = to
        return edition


@dataclass
class _Loaded:
    munis: list[_Muni]
    ids: list[int] | None  # None = all municipalities
    editions: dict[int, _Edition]
    #: target id -> municipality id, for every target object
    owner: dict[int, int]
    #: target id -> {measure id: status} of the status rows not archived (not_assessed left out)
    current: dict[int, dict[int, str]]
    #: False: ``current`` was not read (``_load(current=False)``); ``statuses_now`` reads it
    has_current: bool = True

    def statuses_now(self, session: Session) -> dict[int, dict[int, str]]:
        """``current``, read now if ``_load`` left it out."""
        if not self.has_current:
            self.current, self.has_current = _current(session, self.ids), True
        return self.current

    def edition_then(self, at: datetime) -> dict[int, _Edition]:
        """Target id -> the edition its municipality worked on at ``at``."""
        editions = {mu.id: self.editions.get(mu.edition_at(at)) for mu in self.munis}  # type: ignore[arg-type]
        return {tid: ed for tid, muni_id in self.owner.items() if (ed := editions.get(muni_id)) is not None}


def _cols(model: type[SQLModel]) -> ReadOnlyColumnCollection[str, Column[Any]]:
    """A table's Core columns: typed, and read without the ORM."""
    return model.__table__.c  # type: ignore[attr-defined, no-any-return]


def _load(
    session: Session, ids: list[int] | None, *, history: bool, all_editions: bool, current: bool = True
) -> _Loaded:
    """What the model reads; ``current=False`` leaves the current statuses out (``_Loaded.statuses_now``
    reads them when asked: a past moment read from its snapshot or the history alone never needs them)."""
    session.flush()  # the reads below go through the connection, which does not autoflush
    conn = session.connection()
    mu, ma, to, tom = (_cols(t) for t in (m.Municipality, m.ModuleApplicability, m.TargetObject, m.TargetObjectModule))

    def scoped(stmt: Select[Any], column: Column[Any]) -> Select[Any]:
        return stmt if ids is None else stmt.where(column.in_(ids))

    rows = conn.execute(
        scoped(select(mu.id, mu.ehak_code, mu.name, mu.kind, mu.county, mu.approach, mu.edition_id), mu.id)
    )
    by_id = {row[0]: _Muni(*row) for row in rows}
    for muni_id, code, applicable in conn.execute(
        scoped(select(ma.municipality_id, ma.module_code, ma.applicable), ma.municipality_id)
    ):
        by_id[muni_id].overrides[code] = applicable
    owner: dict[int, int] = {}
    targets = scoped(select(to.id, to.municipality_id, to.is_default), to.municipality_id)
    for tid, muni_id, is_default in conn.execute(targets.order_by(to.id)):
        owner[tid] = muni_id
        if is_default and by_id[muni_id].default_target is None:
            by_id[muni_id].default_target = tid
    carried = select(to.id, to.municipality_id, to.created_at, tom.module_code).join(
        m.TargetObjectModule, tom.target_object_id == to.id
    )
    for tid, muni_id, created, code in conn.execute(scoped(carried, to.municipality_id).order_by(to.id)):
        by_id[muni_id].carriers.setdefault(code, []).append((tid, created))
    if history:
        em = _cols(m.EditionMigration)
        moves = select(em.municipality_id, em.migrated_at, em.from_edition_id, em.to_edition_id)
        for muni_id, when, old, new in conn.execute(scoped(moves, em.municipality_id).order_by(em.migrated_at, em.id)):
            by_id[muni_id].migrations.append((when, old, new))

    if all_editions:
        edition_ids = set(conn.execute(select(_cols(m.Edition).id)).scalars())
    else:
        edition_ids = {mu_.edition_id for mu_ in by_id.values() if mu_.edition_id is not None}
    editions = {eid: _Edition(munis.profile_modules(session, eid)) for eid in edition_ids}
    me, mo = _cols(m.Measure), _cols(m.Module)
    measures = (
        select(me.edition_id, me.module_code, mo.kind, me.id, me.code, me.level)
        .join(m.Module, mo.id == me.module_id)
        .where(me.edition_id.in_(list(editions)))
        .order_by(me.id)
    )
    for eid, module, kind, mid, code, level in conn.execute(measures).all():
        edition = editions[eid]
        entry = edition.modules.get(module) or edition.modules.setdefault(module, _Module(kind))
        entry.measures.append((mid, code, level))
        entry.ids.setdefault(level, []).append(mid)
        edition.id_of[code] = mid
    for edition in editions.values():
        edition.ids = frozenset(edition.id_of.values())

    loaded = _Loaded(list(by_id.values()), ids, editions, owner, {}, has_current=current)
    if current:
        loaded.current = _current(session, ids)
    return loaded


def _current(session: Session, ids: list[int] | None) -> dict[int, dict[int, str]]:
    """Target id -> {measure id: status} of the live status rows (not archived, not_assessed left out)."""
    conn = session.connection()
    to = _cols(m.TargetObject)
    # One row per (target, status) with the measure ids joined in a string:
    # a few hundred rows instead of one per status row, which is most of the time saved.
    ms = _cols(m.MeasureStatus)
    measure_ids = func.aggregate_strings(cast(ms.measure_id, String), ",")
    live = (
        select(ms.target_object_id, ms.status, measure_ids)
        .where(ms.archived.is_(False), ms.status != "not_assessed")
        .group_by(ms.target_object_id, ms.status)
    )
    if ids is not None:
        live = live.join(m.TargetObject, to.id == ms.target_object_id).where(to.municipality_id.in_(ids))
    current: dict[int, dict[int, str]] = {}
    for tid, status, joined in conn.execute(live):
        current.setdefault(tid, {}).update(dict.fromkeys(map(int, joined.split(",")), status))
    return current
