"""The maturity model: how far each municipality is with E-ITS, now or as of any past moment.

For a municipality at a moment T (``at=None``: its current statuses):

- **In scope** are the measures of its applicable modules (the KOV-profile modules of its edition
  plus added, minus excluded ones, as in ``municipalities.applicable_modules``) whose level is in
  its approach (basic → basic; standard → basic and standard), plus the high measures *chosen
  explicitly*: a high measure of an applicable module is chosen when at least one target object
  it applies to has a recorded status other than not_assessed (as of T).
- **Per measure** the status is the roll-up (``rollup.rollup``) over the target objects the
  measure applies to — process modules: the default target; system modules: the targets carrying
  the module, else the default — the same rule as ``statuses.status_overview``. A target without
  a status counts as not_assessed.
- not_applicable and risk_accepted are **excluded** from the fulfilment denominators (and counted
  in ``counts``). **Score**: implemented 1, partial 0.5, not_implemented and not_assessed 0.
- **Coverage** = in-scope measures that are not not_assessed / in-scope measures (None when
  nothing is in scope).
- **Fulfilment** of a level = sum of scores / in-scope measures of that level that are not
  excluded (None when that is 0).
- **Level** from basic fulfilment B and standard fulfilment S, with thresholds t1 < t2 < t3
  (setting ``maturity_thresholds``, default 25/50/75 %): 0 if B < t1 (or B is None), 1 if B ≥ t1,
  2 if B ≥ t2, 3 if B ≥ t3, 4 if B = 100 % (põhiturve reached), 5 if B = 100 % and S = 100 %
  (standardturve reached; never while S is None, so a municipality on the basic approach stops
  at 4).

**As of T** the status of a (target object, measure) is the ``new_status`` of its last
StatusHistory row (by changed_at, then id) with changed_at ≤ T, matched by measure code among the
measures of the edition the municipality worked on at T: the from-edition of its first
EditionMigration before that migration, the to-edition of the last migration at or before T
after it, its current edition if it never migrated. Statuses carried over by a migration keep
their history (same code), measures flagged needs_review keep their status, and the history row
a migration writes when it archives a status (``changes.archived = [false, true]``) ends it.
A non-default target object counts from its ``created_at`` on; the default one always.
Not recorded in any history, hence taken as they are now: module applicability overrides, the
approach, and which modules a target object carries.

Quarters end at 24:00 Europe/Tallinn on their last day (as in ``demo.quarter_ends``).

Everything is computed from a handful of set-based queries for all municipalities at once (the
current statuses come grouped per target and status); the model itself is plain Python. See
benchmarks/bench_maturity.py for the figures.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from itertools import chain, repeat
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlmodel import Session

from eits_tracker.access import access_of
from eits_tracker.config import DEFAULT_MATURITY_THRESHOLDS, check_maturity_thresholds
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import TALLINN, as_utc, utcnow
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking import snapshots
from eits_tracker.tracking.demo import quarter_ends
from eits_tracker.tracking.maturity_load import _LATER_WEIGHT, _cols, _Edition, _load, _Loaded, _Module, _Muni
from eits_tracker.tracking.maturity_rows import DashboardRow, Maturity, ModuleProgress
from eits_tracker.tracking.rollup import rollup
from eits_tracker.tracking.vocab import STATUSES

Thresholds = tuple[float, float, float]
DEFAULT_THRESHOLDS: Thresholds = DEFAULT_MATURITY_THRESHOLDS
LEVELS = ("basic", "standard", "high")
_NONE: dict[int, str] = {}
_CHUNK = 500


# --- quarters ----------------------------------------------------------------------


_QUARTER = re.compile(r"([1-9]\d{3})-?Q([1-4])", re.IGNORECASE)


def _parse_quarter(quarter: str) -> tuple[int, int]:
    match = _QUARTER.fullmatch(quarter.strip()) if isinstance(quarter, str) else None
    if match is None:
        raise ValidationError(
            f"quarter: {quarter!r} is not a quarter; write it as YYYYQn or YYYY-Qn, e.g. 2026Q3 or 2026-Q3.",
            field="quarter",
        )
    return int(match[1]), int(match[2])


def quarter_end(quarter: str) -> datetime:
    """The end of a quarter ("2026Q3" or "2026-Q3"): 24:00 Europe/Tallinn on its last day, in UTC."""
    year, q = _parse_quarter(quarter)
    return quarter_ends(date(year, 3 * q, 1), 1)[0][2]


def quarter_of(moment: datetime) -> str:
    """The quarter ("2026Q3") a moment falls in, in Tallinn time; naive moments are UTC."""
    return quarter_ends(as_utc(moment).astimezone(TALLINN).date(), 1)[0][0]


def previous_quarter(quarter: str) -> str:
    year, q = _parse_quarter(quarter)
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def last_completed_quarter(now: datetime) -> str:
    """The last quarter that had ended by ``now``."""
    return previous_quarter(quarter_of(now))


# --- results -----------------------------------------------------------------------


# Maturity, ModuleProgress and DashboardRow live in maturity_rows (importable without the models).


def maturity_level(basic: float | None, standard: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> int:
    """The level 0..5 from basic and standard fulfilment (see the module docstring)."""
    if basic is None:
        return 0
    if basic >= 1:
        return 5 if standard is not None and standard >= 1 else 4
    return sum(basic >= t for t in thresholds)


class _Tally:
    """Status counts of in-scope measures, per level."""

    __slots__ = ("by_level",)

    def __init__(self) -> None:
        self.by_level: dict[str, Counter[str]] = {lv: Counter() for lv in LEVELS}

    def add(self, level: str, status: str) -> None:
        if level in self.by_level:
            self.by_level[level][status] += 1

    def in_scope(self) -> dict[str, int]:
        return {lv: c.total() for lv, c in self.by_level.items()}

    def counts(self) -> dict[str, int]:
        return {s: sum(c[s] for c in self.by_level.values()) for s in STATUSES}

    def coverage(self) -> float | None:
        total = sum(c.total() for c in self.by_level.values())
        assessed = total - sum(c["not_assessed"] for c in self.by_level.values())
        return assessed / total if total else None

    def fulfilment(self, levels: Iterable[str] = LEVELS) -> float | None:
        counters = [self.by_level[lv] for lv in levels]
        denominator = sum(c.total() - c["not_applicable"] - c["risk_accepted"] for c in counters)
        score = sum(c["implemented"] + c["partial"] / 2 for c in counters)
        return score / denominator if denominator else None


# --- statuses: target id -> {measure id: status}, not_assessed left out -------------------


def _as_of(session: Session, loaded: _Loaded, at: datetime) -> dict[int, dict[int, str]]:
    """The statuses as of ``at``, keyed by the measures of the edition then: at a completed quarter's
    end from the snapshots kept of it where they still hold (``tracking.snapshots``), else replayed."""
    if snapshots.eligible(at):
        return snapshots.as_of(session, loaded, at, _replayed)
    return _replayed(session, loaded, at)


def _replayed(session: Session, loaded: _Loaded, at: datetime) -> dict[int, dict[int, str]]:
    """The statuses as of ``at``, from the history, keyed by the measures of the edition then.

    A (target, code) with no history after ``at`` had its last change by then, and its status
    row holds what that change set (set_status and the edition migration keep the two equal), so
    it is taken from ``loaded.current``; only the others are read from the history itself. A
    live row whose measure is not of the edition then (the municipality has moved on since) is
    matched by code; two live rows on one (target, code), which only a forged edition switch can
    make, are told apart by the history too.
    """
    h = _cols(m.StatusHistory)
    conn = session.connection()
    then = loaded.edition_then(at)
    # Naming the municipalities lets both backends walk the (municipality, time) index.
    mine_only = h.municipality_id.in_([mu.id for mu in loaded.munis])
    changed = and_(mine_only, h.changed_at > at)
    code_of: dict[int, str] = {}
    out: dict[int, dict[int, str]] = {}
    twice: list[tuple[int, str]] = []
    if _past_is_cheaper(conn, mine_only, at):
        # Much of the history came after ``at`` (an early or middle quarter): every key is read from
        # the rows up to ``at`` alone, in one pass (maturity_series' sweep, the same meaning), instead
        # of from the current rows minus the (many) keys changed since.
        from eits_tracker.tracking.maturity_series import _sweep  # it builds on this module

        return _sweep(session, loaded, [at])[0][at]
    # The current rows first, the keys changed since after them: on PostgreSQL (read committed) a
    # change committed in between is then among those keys, and is read from the history, instead of
    # passing for a status held at ``at``.
    current = loaded.statuses_now(session)
    redo = conn.execute(select(h.target_object_id, h.measure_code).where(changed).distinct()).all()

    for tid, known in current.items():
        edition = then.get(tid)
        if edition is None:
            continue
        mine = out[tid] = dict(known)
        foreign = mine.keys() - edition.ids
        if foreign and not code_of:
            code_of = {mid: c for ed in loaded.editions.values() for c, mid in ed.id_of.items()}
        for mid in foreign:
            status = mine.pop(mid)
            code = code_of.get(mid, "")
            there = edition.id_of.get(code)
            if there is not None:
                if there in mine:
                    twice.append((tid, code))
                mine[there] = status
    for tid, code in (*redo, *twice):
        edition = then.get(tid)
        if edition is not None and code in edition.id_of:
            out.get(tid, {}).pop(edition.id_of[code], None)

    # Every history row of a status carries its (target, code), so the rows of the statuses changed
    # later are those of the keys changed later (other statuses on such a key ended by archival
    # first, or are live twins, fetched by key below); found through the (status, time) index.
    # Up to ``at`` only one status of such a key has rows (an archived one has none after its
    # archival, and its successor none before), so they may come in the index's own order, status
    # by status: no sort of ~200,000 rows. The twins' keys are read again afterwards in time order.
    last = _select_last(conn, [h.status_id.in_(select(h.status_id).where(changed))], at, by_status=True)
    wanted: list[ColumnElement[bool]] = []
    for start in range(0, len(twice), _CHUNK):
        pairs = sorted(set(twice[start : start + _CHUNK]))
        wanted.append(or_(*(and_(h.target_object_id == t, h.measure_code == c) for t, c in pairs)))
    last.update(_select_last(conn, wanted, at))
    return _ended(conn, then, last, out)


def _select_last(
    conn: Any, wanted: list[ColumnElement[bool]], at: datetime, *, by_status: bool = False
) -> dict[tuple[int, str], tuple[str, str, int]]:
    """(target, code) -> (status, source, history id) of its last history row up to ``at`` among those wanted.

    ``by_status``: the rows come status by status, each in time order — right only when no two
    statuses of one (target, code) have rows up to ``at`` (see ``_as_of``)."""
    h = _cols(m.StatusHistory)
    base = select(h.target_object_id, h.measure_code, h.new_status, h.source, h.id).where(h.changed_at <= at)
    order = (h.status_id, h.changed_at, h.id) if by_status else (h.changed_at, h.id)
    last: dict[tuple[int, str], tuple[str, str, int]] = {}
    for condition in wanted:
        for tid, code, status, source, hid in conn.execute(base.where(condition).order_by(*order)).all():
            last[(tid, code)] = (status, source, hid)
    return last


def _ended(
    conn: Any,
    then: dict[int, _Edition],
    last: dict[tuple[int, str], tuple[str, str, int]],
    out: dict[int, dict[int, str]] | None = None,
) -> dict[int, dict[int, str]]:
    """``out`` with the given last rows put in, keyed by the measures of the edition then; rows that
    archived their status (and not_assessed) end it."""
    out = {} if out is None else out
    ended = _archivals(conn, [hid for status, source, hid in last.values() if source == "migration"])
    for (tid, code), (status, _source, hid) in last.items():
        edition = then.get(tid)
        if edition is not None and code in edition.id_of and status != "not_assessed" and hid not in ended:
            out.setdefault(tid, {})[edition.id_of[code]] = status
    return out


def _past_is_cheaper(conn: Any, mine_only: ColumnElement[bool], at: datetime) -> bool:
    """Whether reading every history row up to ``at`` costs less than the current rows plus the keys
    changed since. The latter reads each later row twice (its key, then its status's earlier rows),
    hence the weight; the count itself only walks the (municipality, time) index."""
    h = _cols(m.StatusHistory)
    before = func.coalesce(func.sum(case((h.changed_at <= at, 1), else_=0)), 0)
    past, total = conn.execute(select(before, func.count()).where(mine_only)).one()
    return bool(past < _LATER_WEIGHT * (total - past))


def _archivals(conn: Any, history_ids: list[int]) -> set[int]:
    """Those of the given migration history rows that archived their status."""
    h = _cols(m.StatusHistory)
    out: set[int] = set()
    for start in range(0, len(history_ids), _CHUNK):
        chunk = history_ids[start : start + _CHUNK]
        for hid, changes in conn.execute(select(h.id, h.changes).where(h.id.in_(chunk))):
            if (changes or {}).get("archived") == [False, True]:
                out.add(hid)
    return out


def _recorded_by(session: Session, at: datetime) -> set[int]:
    """Municipalities with any status history at or before ``at``."""
    h = _cols(m.StatusHistory)
    stmt = select(h.municipality_id).where(h.changed_at <= at).distinct()
    return set(session.connection().execute(stmt).scalars())


# --- the model ---------------------------------------------------------------------


def _count(
    muni: _Muni, edition: _Edition, statuses: dict[int, dict[int, str]], at: datetime | None, *, per_module: bool
) -> dict[str, _Tally]:
    """Tally the in-scope measures: one tally per applicable module, or all under ""."""
    allowed = munis.APPROACHES.get(muni.approach, ("basic",))
    applicable = muni.applicable(edition)
    default = muni.default_target if muni.default_target is not None else -1  # none yet: nothing recorded
    tallies: dict[str, _Tally] = {}
    alone: dict[tuple[str, int], list[_Module]] = {}  # measures applying to one target only
    for code, module in edition.modules.items():
        if code not in applicable:
            continue
        key = code if per_module else ""
        tally = tallies.get(key) or tallies.setdefault(key, _Tally())
        carriers = [] if module.kind == "process" else muni.carriers.get(code, [])
        tids = [tid for tid, created in carriers if at is None or tid == default or created <= at] or [default]
        if len(tids) == 1:
            alone.setdefault((key, tids[0]), []).append(module)
            continue
        maps = [statuses.get(tid, _NONE) for tid in tids]
        for mid, _code, level in module.measures:
            per = [known.get(mid) for known in maps]
            if level in allowed or (level == "high" and any(s is not None for s in per)):
                tally.add(level, rollup(s or "not_assessed" for s in per))
    # The bulk: counted level by level with C-level iteration (map, filter, Counter.update).
    for (key, tid), modules in alone.items():
        get = statuses.get(tid, _NONE).get  # type: ignore[arg-type]
        by_level = tallies[key].by_level
        for level in LEVELS:
            ids = chain.from_iterable(mo.ids.get(level, ()) for mo in modules)
            if level in allowed:
                by_level[level].update(map(get, ids, repeat("not_assessed")))
            elif level == "high":  # chosen explicitly: a recorded status
                by_level[level].update(filter(None, map(get, ids)))
    return tallies


def _evaluate(
    loaded: _Loaded, statuses: dict[int, dict[int, str]], at: datetime | None, thresholds: Thresholds
) -> dict[int, Maturity]:
    out = {}
    for muni in loaded.munis:
        eid = muni.edition_at(at)
        tally = _Tally()
        if eid is not None and eid in loaded.editions:
            tally = _count(muni, loaded.editions[eid], statuses, at, per_module=False).get("", tally)
        fulfilment = {lv: tally.fulfilment((lv,)) for lv in LEVELS}
        out[muni.id] = Maturity(
            municipality_id=muni.id,
            ehak_code=muni.ehak_code,
            name=muni.name,
            at=at,
            in_scope=tally.in_scope(),
            counts=tally.counts(),
            coverage=tally.coverage(),
            fulfilment=fulfilment,
            level=maturity_level(fulfilment["basic"], fulfilment["standard"], thresholds),
        )
    return out


def _thresholds(value: Iterable[float]) -> Thresholds:
    try:
        return check_maturity_thresholds(tuple(value))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"thresholds: {exc}", field="thresholds") from None


# --- the API -----------------------------------------------------------------------


def maturity_all(
    session: Session,
    *,
    at: datetime | None = None,
    municipality_ids: Iterable[int] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[int, Maturity]:
    """The maturity of every municipality (or of the given ones), by id: now, or as of ``at``."""
    limits = _thresholds(thresholds)
    ids = None if municipality_ids is None else list(municipality_ids)
    when = None if at is None else as_utc(at)
    loaded = _load(session, ids, history=when is not None, all_editions=when is not None, current=when is None)
    statuses = loaded.current if when is None else _as_of(session, loaded, when)
    return _evaluate(loaded, statuses, when, limits)


def maturity_of(
    session: Session,
    municipality: m.Municipality,
    *,
    at: datetime | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Maturity:
    """One municipality's maturity: now, or as of ``at``."""
    assert municipality.id is not None
    return maturity_all(session, at=at, municipality_ids=[municipality.id], thresholds=thresholds)[municipality.id]


def module_progress(session: Session, municipality: m.Municipality) -> dict[str, ModuleProgress]:
    """Current progress of each applicable module (in catalogue order), for a progress bar per module."""
    assert municipality.id is not None
    loaded = _load(session, [municipality.id], history=False, all_editions=False)
    muni = loaded.munis[0]
    if muni.edition_id not in loaded.editions:
        return {}
    tallies = _count(muni, loaded.editions[muni.edition_id], loaded.current, None, per_module=True)  # type: ignore[index]
    return {
        code: ModuleProgress(
            module_code=code,
            in_scope=sum(t.in_scope().values()),
            counts=t.counts(),
            coverage=t.coverage(),
            fulfilment=t.fulfilment(),
        )
        for code, t in tallies.items()
    }


def dashboard_rows(
    session: Session,
    *,
    now: datetime | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    previous: bool = True,
) -> list[DashboardRow]:
    """Every municipality in Estonian alphabetical order: its maturity now and at the last quarter's end.

    ``now`` (default: the clock) only decides which quarter that is; ``current`` always reads the
    current statuses. ``previous`` is None for a municipality with no status history by then —
    and for all of them with ``previous=False``, which the app uses to show the current numbers
    first and fill in the comparison (:func:`dashboard_previous`) a moment later.
    """
    limits = _thresholds(thresholds)
    quarter = last_completed_quarter(as_utc(now) if now else utcnow())
    loaded = _load(session, None, history=previous, all_editions=previous)
    current = _evaluate(loaded, loaded.current, None, limits)
    before: dict[int, Maturity | None] = {}
    if previous:
        then = quarter_end(quarter)
        evaluated = _evaluate(loaded, _as_of(session, loaded, then), then, limits)
        recorded = _recorded_by(session, then)
        before = {mu_id: (mat if mu_id in recorded else None) for mu_id, mat in evaluated.items()}
    access = access_of(session)
    return [
        DashboardRow(
            municipality_id=mu.id,
            ehak_code=mu.ehak_code,
            name=mu.name,
            kind=mu.kind,
            county=mu.county,
            approach=mu.approach,
            current=current[mu.id],
            previous=before.get(mu.id),
            previous_quarter=quarter,
        )
        for mu in sorted(loaded.munis, key=lambda mu: estonian_key(mu.name))
        if access.can_read_summary(mu.id)
    ]


def dashboard_previous(
    session: Session, *, now: datetime | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[str, dict[int, Maturity | None]]:
    """The second half of :func:`dashboard_rows`: each municipality as of the last completed quarter."""
    limits = _thresholds(thresholds)
    quarter = last_completed_quarter(as_utc(now) if now else utcnow())
    then = quarter_end(quarter)
    loaded = _load(session, None, history=True, all_editions=True, current=False)
    evaluated = _evaluate(loaded, _as_of(session, loaded, then), then, limits)
    recorded = _recorded_by(session, then)
    return quarter, {mu_id: (mat if mu_id in recorded else None) for mu_id, mat in evaluated.items()}
