"""The maturity model at several moments in one pass over the history, down to each measure.

``maturity.maturity_all(at=T)`` answers one moment; a quarterly report needs eight quarter ends for
its trend and, at the report's own quarter, every in-scope measure's status per target object. Asking
eight times would read the later history eight times, so :func:`series` reads each municipality's
history once, in (changed_at, id) order, and takes a snapshot of the last status per (target object,
measure code) at each moment. The snapshot means exactly what ``maturity._as_of`` means (see the
docstring of ``tracking.maturity``): the last history row at or before T, matched by code among the
measures of the edition the municipality worked on at T, not counted when that row archived the
status, not_assessed left out. The evaluation is the same ``_evaluate``, so both paths give the same
numbers (a test holds them to it).

:func:`measure_states` lists, for one moment, every in-scope measure of each municipality with its
rolled-up status and the status on each target object it applies to, under the same scope rules as
``maturity._count`` — what the report's gap lists, status matrix, implementation plan and OSCAL
export are made of.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.timeutil import as_utc
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking import snapshots
from eits_tracker.tracking.maturity_load import _cols, _load, _Loaded, _Muni
from eits_tracker.tracking.maturity_rows import Maturity
from eits_tracker.tracking.rollup import rollup

Statuses = dict[int, dict[int, str]]  # target id -> {measure id: status}, not_assessed left out
_NONE: dict[int, str] = {}


class MeasureState(NamedTuple):
    """One in-scope measure of a municipality at a moment (a tuple: tens of thousands are made per report)."""

    measure_id: int
    code: str
    module_code: str
    level: str
    status: str  # rolled up over ``targets``
    targets: tuple[tuple[int, str], ...]  # (target object id, its status) the measure applies to


@dataclass
class Series:
    """What :func:`series` computed: the loaded scope, the snapshots and the evaluations."""

    loaded: _Loaded
    at: tuple[datetime, ...]
    statuses: dict[datetime, Statuses]
    maturity: dict[datetime, dict[int, Maturity]]
    #: municipality id -> its first history row's time (absent: no history at all)
    first_recorded: dict[int, datetime]

    def recorded(self, muni_id: int, at: datetime) -> bool:
        """Whether the municipality had any status history by ``at`` (else its numbers mean nothing yet)."""
        first = self.first_recorded.get(muni_id)
        return first is not None and first <= at


def series(
    session: Session,
    at: Iterable[datetime],
    *,
    municipality_ids: Iterable[int] | None = None,
    thresholds: mat.Thresholds = mat.DEFAULT_THRESHOLDS,
) -> Series:
    """Statuses and maturity of every municipality (or the given ones) at each moment of ``at``."""
    limits = mat._thresholds(thresholds)
    moments = tuple(sorted({as_utc(t) for t in at}))
    ids = None if municipality_ids is None else sorted(set(municipality_ids))
    loaded = _load(session, ids, history=True, all_editions=True)
    # Completed quarter ends whose statuses are kept for every municipality that had history by then
    # are read back (tracking.snapshots); the history is swept for the other moments only, and what
    # the sweep finds at completed quarter ends is kept for next time.
    ends = [t for t in moments if snapshots.eligible(t)]
    stamps = snapshots.stamps_at(session, loaded, ends) if ends else {}
    found: dict[datetime, Statuses] = {}
    for t in ends:
        statuses, fresh = snapshots.read(session, loaded, t, stamps[t])
        if fresh >= stamps[t].keys():
            found[t] = statuses
    todo = [t for t in moments if t not in found]
    swept, first = _sweep(session, loaded, todo)
    for t in todo:
        if t in stamps:
            snapshots.keep(session, loaded, t, swept[t], stamps[t])
    found.update(swept)
    return Series(
        loaded=loaded,
        at=moments,
        statuses=found,
        maturity={t: mat._evaluate(loaded, found[t], t, limits) for t in moments},
        first_recorded=first,
    )


def _sweep(
    session: Session,
    loaded: _Loaded,
    moments: Sequence[datetime],
    needs: Mapping[datetime, set[int]] | None = None,
    *,
    start: tuple[datetime, dict[int, dict[str, str | None]]] | None = None,
) -> tuple[dict[datetime, Statuses], dict[int, datetime]]:
    """Snapshots at each moment (of the targets of ``needs[moment]``'s municipalities only, if given).

    ``start``: (a moment before the first of ``moments``, target id -> {code: status} then): the
    history is read from that moment on, not from the start (``snapshots._onward``)."""
    h = _cols(m.StatusHistory)
    conn = session.connection()
    mine = [] if loaded.ids is None else [h.municipality_id.in_(loaded.ids)]
    first = {
        muni: as_utc(when)
        for muni, when in conn.execute(
            select(h.municipality_id, func.min(h.changed_at)).where(*mine).group_by(h.municipality_id)
        )
    }
    # A migration row that archived its status ends it: known up front, so a status is None from then.
    # (Only when there is something to sweep: finding them reads the whole table.)
    archived: set[int] = set()
    if moments:
        migrations = select(h.id).where(h.source == "migration", h.changed_at <= moments[-1], *mine)
        archived = mat._archivals(conn, list(conn.execute(migrations).scalars()))
    last: dict[int, dict[str, str | None]] = {}  # target id -> {measure code: status or None}
    lower: datetime | None = None
    if start is not None:
        lower, known_then = start
        last = {tid: dict(codes) for tid, codes in known_then.items()}
    # The mapped dict (measure id -> status) last built per target, and the edition it was built for:
    # a target changed in a window is copied and patched with that window's codes only.
    built: dict[int, tuple[Any, dict[int, str]]] = {}
    taken: dict[datetime, Statuses] = {}
    for t in moments:
        # One window (lower, t] per moment, read in order: no per-row time comparisons in Python.
        window = [h.changed_at <= t, *mine] + ([h.changed_at > lower] if lower is not None else [])
        changed: dict[int, list[str]] = {}
        rows = (
            select(h.target_object_id, h.measure_code, h.new_status, h.id).where(*window).order_by(h.changed_at, h.id)
        )
        for tid, code, status, hid in _plain(conn.execute(rows)):
            codes = last.get(tid)
            if codes is None:
                codes = last[tid] = {}
                changed[tid] = []
            codes[code] = None if status == "not_assessed" or hid in archived else status
            touched = changed.get(tid)
            if touched is None:
                touched = changed[tid] = []
            touched.append(code)
        editions = loaded.edition_then(t)
        wanted = None if needs is None else needs.get(t, set())
        out: Statuses = {}
        for tid, codes in last.items():
            edition = editions.get(tid)
            if edition is None or (wanted is not None and loaded.owner[tid] not in wanted):
                if tid in changed:  # its patch is not applied now: rebuild it when it is next wanted
                    built.pop(tid, None)
                continue
            before = built.get(tid)
            id_of = edition.id_of
            if before is not None and before[0] is edition:
                known = before[1]
                patch = changed.get(tid)
                if patch:  # copy, so earlier snapshots keep their values (they are shared, read-only)
                    known = dict(known)
                    for code in patch:
                        mid = id_of.get(code)
                        if mid is not None:
                            st = codes[code]
                            if st is None:
                                known.pop(mid, None)
                            else:
                                known[mid] = st
            else:
                known = {id_of[c]: st for c, st in codes.items() if st is not None and c in id_of}
            built[tid] = (edition, known)
            if known:
                out[tid] = known
        taken[t] = out
        lower = t
    return taken, first


def _plain(result: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a result as the driver's own tuples, then the result closed: a million history
    rows skip a million Row objects (about a third of a replay's time). Only for columns without
    result processing (integers, strings), which is what the sweep reads."""
    try:
        yield from result.cursor if getattr(result, "cursor", None) is not None else result
    finally:
        result.close()


def maturity_at(
    session: Session,
    needs: Mapping[datetime, Iterable[int]],
    *,
    thresholds: mat.Thresholds = mat.DEFAULT_THRESHOLDS,
) -> dict[tuple[datetime, int], Maturity]:
    """(moment, municipality id) -> maturity, for many moments each wanted for a few municipalities.

    The mentor network asks this (each mentee as of its assignment's start, all of them as of the
    period's end): one pass over their history instead of one computation per moment.
    """
    limits = mat._thresholds(thresholds)
    wanted = {as_utc(t): set(ids) for t, ids in needs.items()}
    if not wanted:
        return {}
    ids = sorted(set().union(*wanted.values()))
    loaded = _load(session, ids, history=True, all_editions=True)
    moments = sorted(wanted)
    taken, _first = _sweep(session, loaded, moments, wanted)
    out: dict[tuple[datetime, int], Maturity] = {}
    for t in moments:
        some = dataclasses.replace(loaded, munis=[mu for mu in loaded.munis if mu.id in wanted[t]])
        out.update(((t, mid), found) for mid, found in mat._evaluate(some, taken[t], t, limits).items())
    return out


def measure_states(loaded: _Loaded, statuses: Statuses, at: datetime | None) -> dict[int, list[MeasureState]]:
    """Every municipality's in-scope measures at ``at`` (None: now), in catalogue order.

    The scope is that of ``maturity._count``: applicable modules, the approach's levels, high
    measures with a recorded status on a target; system modules on the targets carrying them
    (existing at ``at``), else on the default target.
    """
    out: dict[int, list[MeasureState]] = {}
    for muni in loaded.munis:
        eid = muni.edition_at(at)
        edition = loaded.editions.get(eid) if eid is not None else None
        out[muni.id] = [] if edition is None else _states(muni, edition, statuses, at)
    return out


def _states(muni: _Muni, edition: mat._Edition, statuses: Statuses, at: datetime | None) -> list[MeasureState]:
    allowed = munis.APPROACHES.get(muni.approach, ("basic",))
    applicable = muni.applicable(edition)
    default = muni.default_target if muni.default_target is not None else -1
    rows: list[MeasureState] = []
    for code, module in edition.modules.items():
        if code not in applicable:
            continue
        carriers = [] if module.kind == "process" else muni.carriers.get(code, [])
        tids = [tid for tid, created in carriers if at is None or tid == default or created <= at] or [default]
        if len(tids) == 1:  # the usual case; the roll-up of one status is that status
            tid = tids[0]
            get = statuses.get(tid, _NONE).get
            for mid, mcode, level in module.measures:
                st = get(mid)
                if level in allowed or (level == "high" and st is not None):
                    st = st or "not_assessed"
                    rows.append(MeasureState(mid, mcode, code, level, st, ((tid, st),)))
            continue
        maps = [statuses.get(tid, _NONE) for tid in tids]
        for mid, mcode, level in module.measures:
            per = [known.get(mid) for known in maps]
            if level in allowed or (level == "high" and any(s is not None for s in per)):
                shown = tuple((tid, s or "not_assessed") for tid, s in zip(tids, per, strict=True))
                rows.append(MeasureState(mid, mcode, code, level, rollup(s for _t, s in shown), shown))
    return rows
