"""Statuses as of a completed quarter's end, kept in ``status_snapshot`` so that a past quarter is
read rather than replayed from the history every time it is asked for.

The dashboard's previous quarter, every quarterly report and the mentor network's progress ask the
same few quarter ends again and again, and at 1,000 organisations replaying a million history rows
costs seconds each time. Once a quarter is over its statuses no longer change, except when history
is written with a time inside it (a database transfer, the demo data, a client whose clock is wrong). So:

- only the ends of completed quarters are kept (:func:`eligible`); other moments are computed;
- each municipality's snapshot carries the count and the largest id of its history rows up to that
  moment. The history is append-only (migration 0002), so any row added at or before the moment
  changes one of them: then the snapshot is not used, the statuses are computed again (by the
  caller's ``compute``, the same code as without snapshots) and the snapshot replaced;
- the snapshot holds measure *codes* per target object, mapped to the measures of the edition the
  municipality worked on then when read, exactly as the computation maps them.
- a quarter not kept yet is replayed from the last quarter end kept before it when that reads fewer
  rows than replaying from the start (:func:`_onward`): as a database lives through its quarters,
  each first reading replays about one quarter of history.

Keeping one is a convenience, never a condition. It happens in a short transaction of its own once
the caller's transaction has ended (see ``_keep_later``), so that a report read in a session that is
never committed still leaves its snapshots behind; only where the committed history still has the
stamp the snapshot was computed from; and it is skipped, silently, when the caller's transaction
wrote anything, when the database is busy with another writer (SQLite: no waiting), when the user
may not write snapshots (on PostgreSQL only administrators may: the others would trust a snapshot
without replaying the history behind it), or on any database error. The stamp is counted before the
statuses are computed, so a history row committed in between makes a snapshot stale, never wrong.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, event, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from eits_tracker.access import access_of
from eits_tracker.db import models as m
from eits_tracker.timeutil import TALLINN, as_utc, utcnow
from eits_tracker.tracking.demo import quarter_ends
from eits_tracker.tracking.maturity_load import _LATER_WEIGHT, _cols, _Edition, _Loaded

log = logging.getLogger(__name__)

Statuses = dict[int, dict[int, str]]  # target id -> {measure id: status}, not_assessed left out
Compute = Callable[[Session, _Loaded, datetime], Statuses]
_TICK = timedelta(microseconds=1)


def eligible(at: datetime, now: datetime | None = None) -> bool:
    """Whether ``at`` is the end of a quarter that is over (24:00 Tallinn time on its last day)."""
    at = as_utc(at)
    if at >= (now or utcnow()):
        return False
    return bool(quarter_ends((at - _TICK).astimezone(TALLINN).date(), 1)[0][2] == at)


def as_of(session: Session, loaded: _Loaded, at: datetime, compute: Compute) -> Statuses:
    """The statuses as of ``at`` (a completed quarter's end): kept snapshots where they still hold,
    ``compute`` for the other municipalities (then kept for next time, when allowed)."""
    # First the stamps, then the statuses: a row committed in between makes a snapshot stale, not wrong.
    stamps = stamps_at(session, loaded, [at])[at]
    out, fresh = read(session, loaded, at, stamps)
    # A municipality without history by then has no statuses: nothing to compute or keep.
    rest = [mu for mu in loaded.munis if mu.id in stamps and mu.id not in fresh]
    if not rest:
        return out
    part = loaded
    if len(rest) < len(loaded.munis):
        part = dataclasses.replace(loaded, munis=rest, ids=[mu.id for mu in rest])
    computed = _onward(session, part, at, stamps)
    if computed is None:
        computed = compute(session, part, at)
    out.update(computed)
    keep(session, part, at, computed, stamps)
    return out


def _onward(session: Session, loaded: _Loaded, at: datetime, stamps: dict[int, tuple[int, int]]) -> Statuses | None:
    """The statuses as of ``at`` replayed from the last quarter end kept before it, for all of
    ``loaded``'s municipalities: only the history between the two is read. None when no such quarter
    end is kept for all of them, or when replaying from the start would read fewer rows.

    The kept quarter end holds, per target, the last status of every code of the edition then that
    had one; the sweep from the start holds more codes (of editions left before), but a migration
    archives the statuses of the measures it leaves behind, with a history row, so those codes hold
    no status and the two give the same statuses from there on (a test holds them to it).
    """
    from eits_tracker.tracking.maturity_series import _sweep  # it builds on the maturity model

    sn, h = _cols(m.StatusSnapshot), _cols(m.StatusHistory)
    conn = session.connection()
    ids = [mu.id for mu in loaded.munis]
    mine = [] if loaded.ids is None else [sn.municipality_id.in_(ids)]
    before = conn.execute(select(func.max(sn.at)).where(sn.at < at, *mine)).scalar()
    if before is None:
        return None
    before = as_utc(before)
    then_stamps = stamps_at(session, loaded, [before])[before]
    wanted = set(ids)
    upto = sum(n for mid, (n, _top) in stamps.items() if mid in wanted)
    window = upto - sum(n for n, _top in then_stamps.values())
    total = conn.execute(select(func.count()).where(h.municipality_id.in_(ids))).scalar_one()
    # The replay from the start reads the rows up to ``at``, or (``maturity._replayed``'s other way)
    # costs about four reads of each row after it: take the window only when it is the smaller.
    if window >= min(upto, _LATER_WEIGHT * (total - upto)):
        return None
    start, fresh = read(session, loaded, before, then_stamps)
    if not fresh >= then_stamps.keys():
        return None
    then = loaded.edition_then(before)
    last: dict[int, dict[str, str | None]] = {}
    for tid, known in start.items():
        codes = then[tid].code_of
        last[tid] = {codes[mid]: status for mid, status in known.items()}
    return _sweep(session, loaded, [at], start=(before, last))[0][at]


def stamps_at(session: Session, loaded: _Loaded, moments: list[datetime]) -> dict[datetime, dict[int, tuple[int, int]]]:
    """Moment -> municipality id -> (count, largest id) of its history rows up to the moment
    (municipalities without any left out). One moment: a range over the (municipality, time)
    index; several: one pass over it, counting for every moment at once."""
    h = _cols(m.StatusHistory)
    conn = session.connection()
    mine = [] if loaded.ids is None else [h.municipality_id.in_([mu.id for mu in loaded.munis])]
    moments = sorted(moments)
    if len(moments) == 1:
        (at,) = moments
        counted = select(h.municipality_id, func.count(), func.max(h.id)).where(h.changed_at <= at, *mine)
        return {at: {mid: (n, top) for mid, n, top in conn.execute(counted.group_by(h.municipality_id))}}
    # Each row falls into the first moment at or after it (or none): counted per bucket, then summed up.
    bucket = case(*((h.changed_at <= t, i) for i, t in enumerate(moments)), else_=len(moments))
    per_bucket: dict[int, dict[int, tuple[int, int]]] = {}
    grouped = select(h.municipality_id, bucket, func.count(), func.max(h.id)).where(*mine)
    for mid, i, n, top in conn.execute(grouped.group_by(h.municipality_id, bucket)):
        per_bucket.setdefault(mid, {})[i] = (n, top)
    out: dict[datetime, dict[int, tuple[int, int]]] = {t: {} for t in moments}
    for mid, buckets in per_bucket.items():
        count, top = 0, 0
        for i, t in enumerate(moments):
            if i in buckets:
                count, top = count + buckets[i][0], max(top, buckets[i][1])
            if count:
                out[t][mid] = (count, top)
    return out


def read(
    session: Session, loaded: _Loaded, at: datetime, stamps: dict[int, tuple[int, int]]
) -> tuple[Statuses, set[int]]:
    """The kept statuses as of ``at`` of the municipalities whose snapshot still has its stamp, and their ids."""
    sn = _cols(m.StatusSnapshot)
    mine = [] if loaded.ids is None else [sn.municipality_id.in_([mu.id for mu in loaded.munis])]
    kept = select(sn.municipality_id, sn.history_count, sn.history_max_id, sn.statuses).where(sn.at == at, *mine)
    then = loaded.edition_then(at)
    out: Statuses = {}
    fresh: set[int] = set()
    for mid, count, top, blob in session.connection().execute(kept):
        if stamps.get(mid) == (count, top):
            fresh.add(mid)
            _decode(blob, then, out, loaded.owner, mid)
    return out, fresh


def keep(
    session: Session, loaded: _Loaded, at: datetime, statuses: Statuses, stamps: dict[int, tuple[int, int]]
) -> None:
    """Keep the computed statuses as of ``at`` of ``loaded``'s municipalities that had history by then,
    once the session's transaction ends (administrators only: see the module's docstring)."""
    if not access_of(session).is_admin or not eligible(at):
        return
    blobs = {mid: blob for mid, blob in _encode(loaded, at, statuses).items() if mid in stamps}
    if blobs:
        _keep_later(session, blobs, {mid: stamps[mid] for mid in blobs}, at)


def _decode(blob: bytes, then: dict[int, _Edition], out: Statuses, owner: dict[int, int], muni: int) -> None:
    """Put a snapshot's statuses into ``out``: the targets of its own municipality only."""
    for tid_text, by_status in json.loads(zlib.decompress(blob)).items():
        tid = int(tid_text)
        edition = then.get(tid)
        if edition is None or owner.get(tid) != muni:
            continue
        get = edition.id_of.get
        known = out.setdefault(tid, {})
        for status, codes in by_status.items():
            for code in codes:
                measure = get(code)
                if measure is not None:
                    known[measure] = status
        if not known:
            del out[tid]


def _encode(loaded: _Loaded, at: datetime, statuses: Statuses) -> dict[int, bytes]:
    """Municipality id -> its snapshot: {target id: {status: [codes]}} as JSON, compressed (zlib's
    fastest level: a third of the size, 2.8 kB a municipality at 1,000), for every municipality of ``loaded``."""
    then = loaded.edition_then(at)
    per_muni: dict[int, dict[str, dict[str, list[str]]]] = {mu.id: {} for mu in loaded.munis}
    for tid, known in statuses.items():
        edition = then.get(tid)
        muni = loaded.owner.get(tid)
        if edition is None or muni not in per_muni:
            continue
        codes = edition.code_of
        grouped: dict[str, list[str]] = {}
        for measure, status in known.items():
            grouped.setdefault(status, []).append(codes[measure])
        per_muni[muni][str(tid)] = grouped
    return {
        muni: zlib.compress(json.dumps(targets, separators=(",", ":"), sort_keys=True).encode(), 1)
        for muni, targets in per_muni.items()
    }


# --- keeping them: after the caller's transaction, in one of their own ------------------
#
# Not inside the caller's transaction: a session that only reads (a report from the command line)
# is never committed, and on SQLite a write from a second connection while the caller's read
# transaction is open would make the caller's own later write fail (its snapshot of the file is
# then out of date). So the snapshots wait in ``session.info`` until the caller's outermost
# transaction ends, and are kept only if that transaction wrote nothing through the ORM, and only
# where the committed history still has the counts they were computed from.

_PENDING = "eits_status_snapshots"
_WROTE = "eits_flushed"


def _keep_later(session: Session, blobs: dict[int, bytes], stamps: dict[int, tuple[int, int]], at: datetime) -> None:
    session.info.setdefault(_PENDING, []).append((blobs, stamps, at))


@event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    wrote = session.info.pop(_WROTE, False)
    pending = session.info.pop(_PENDING, None)
    if not pending or wrote:
        return
    try:
        bind = session.get_bind()
    except Exception:  # unbound: nothing to keep
        return
    if not isinstance(bind, Engine):  # bound to a connection: a second one could not see its work
        return
    for blobs, stamps, at in pending:
        try:
            _store(bind, blobs, stamps, at)
        except Exception:  # never out of commit() or close(): the caller's work is done
            log.exception("status snapshots at %s not kept", at)


def _store(engine: Any, blobs: dict[int, bytes], stamps: dict[int, tuple[int, int]], at: datetime) -> None:
    """Insert or replace the snapshots whose stamps the committed history still has; failures only skip them."""
    h, sn = _cols(m.StatusHistory), m.StatusSnapshot.__table__  # type: ignore[attr-defined]
    values = {
        "history_count": bindparam("count"),
        "history_max_id": bindparam("top"),
        "statuses": bindparam("blob"),
        "made_at": bindparam("made"),
    }
    try:
        with engine.connect() as conn, _no_waiting(conn), conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            ids = sorted(blobs)
            counted = select(h.municipality_id, func.count(), func.max(h.id)).where(
                h.changed_at <= at, h.municipality_id.in_(ids)
            )
            now_stamps = {mid: (c, top) for mid, c, top in conn.execute(counted.group_by(h.municipality_id))}
            there = set(
                conn.execute(select(sn.c.municipality_id).where(sn.c.at == at, sn.c.municipality_id.in_(ids))).scalars()
            )
            made = utcnow()
            rows = [
                {"mid": mid, "moment": at, "count": stamps[mid][0], "top": stamps[mid][1], "blob": blob, "made": made}
                for mid, blob in blobs.items()
                if now_stamps.get(mid) == stamps[mid]
            ]
            old = [r for r in rows if r["mid"] in there]
            new = [r for r in rows if r["mid"] not in there]
            if old:
                where = (sn.c.municipality_id == bindparam("mid"), sn.c.at == bindparam("moment"))
                conn.execute(update(sn).where(*where).values(values), old)
            if new:
                conn.execute(insert(sn).values(municipality_id=bindparam("mid"), at=bindparam("moment"), **values), new)
    except DBAPIError as exc:  # busy, not permitted, made meanwhile by someone else: next time
        log.debug("status snapshots at %s not kept: %s", at, exc)


class _no_waiting:
    """SQLite: fail at once instead of waiting 30 s when another connection is writing (the
    caller's own session may be the one); PostgreSQL waits at most a second (``lock_timeout``)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None

    def __enter__(self) -> None:
        if self.raw is not None:
            self.raw.execute("PRAGMA busy_timeout=0")

    def __exit__(self, *exc: object) -> None:
        if self.raw is not None:
            self.raw.execute("PRAGMA busy_timeout=30000")
