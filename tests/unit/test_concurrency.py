"""No lost writes: concurrent writer processes, a writer killed mid-transaction, two sessions racing.

Real databases on both backends (the ``db_url`` fixture). Writers are spawned processes that go
through ``set_status`` + commit like the app: read the version, write with it as
``expected_version``, read again after a ConflictError, retry "database is locked" with the app's
backoff. Each change carries "w<writer>#<seq>" in its history note and every writer logs what it
committed, so the database can be checked against the logs. benchmarks/bench_concurrency.py is
the same proof at scale, with figures.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import signal
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.engine import normalise_url
from eits_tracker.db.setup import Database, open_database
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import ConflictError, set_status

SOURCE = "conc-test"
CHOICES = ("implemented", "partial", "not_implemented")
#: As eits_tracker.tui.work (not imported here: it pulls in Textual): retries and their backoff.
LOCK_RETRIES, BACKOFF = 3, 0.2
SPAWN = mp.get_context("spawn")


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


# --- code that runs in the spawned writer processes ------------------------------------------------


def _read(db: Database, muni_id: int, code: str) -> tuple[int, str]:
    with db.session() as s:
        row = s.execute(
            select(m.MeasureStatus.version, m.MeasureStatus.status)
            .join(m.TargetObject, m.TargetObject.id == m.MeasureStatus.target_object_id)
            .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
            .where(m.TargetObject.municipality_id == muni_id, m.TargetObject.is_default, m.Measure.code == code)
        ).first()
        return (row[0], row[1]) if row else (0, "not_assessed")


def _commit_one(db: Database, muni_id: int, code: str, note: str, rng: random.Random) -> dict[str, Any]:
    """One user action: read, decide, write; again after a conflict. Returns the log record."""
    while True:
        version, current = _read(db, muni_id, code)
        status = rng.choice([c for c in CHOICES if c != current])
        for attempt in range(100):
            try:
                with db.session() as s:
                    change = set_status(
                        s,
                        municipality=s.get(m.Municipality, muni_id),
                        measure_code=code,
                        status=status,
                        actor=note.split("#")[0],
                        source=SOURCE,
                        expected_version=version,
                        history_note=note,
                    )
                    if change.history is None:  # someone set the same value meanwhile: decide again
                        break
                    written = change.row.version
                    s.commit()
                return {"note": note, "muni": muni_id, "code": code, "status": status, "version": written}
            except (ConflictError, IntegrityError):  # IntegrityError: two first writes (see the race test)
                break
            except OperationalError as exc:
                if not _is_locked(exc):
                    raise
                time.sleep(BACKOFF * min(attempt + 1, LOCK_RETRIES))
        else:
            raise RuntimeError(f"{note}: still locked after 100 retries")


def _writer(url: str, name: str, slots: list[tuple[int, str]], changes: int, log: str) -> None:
    db = open_database(load_settings(database_url=url), prepare=False)
    rng = random.Random(name)
    with open(log, "w", encoding="utf-8") as fh:
        for seq in range(changes):
            muni_id, code = rng.choice(slots)
            fh.write(json.dumps(_commit_one(db, muni_id, code, f"{name}#{seq}", rng)) + "\n")
            fh.flush()
    db.engine.dispose()


def _victim(url: str, slot: tuple[int, str], committed: int, stop_at: str, marker: str, log: str) -> None:
    """Commit ``committed`` changes, then stop inside the next transaction until killed."""
    from sqlalchemy import event

    db = open_database(load_settings(database_url=url), prepare=False)
    rng = random.Random("victim")
    muni_id, code = slot
    with open(log, "w", encoding="utf-8") as fh:
        for seq in range(committed):
            fh.write(json.dumps(_commit_one(db, muni_id, code, f"victim#{seq}", rng)) + "\n")
            fh.flush()
    version, current = _read(db, muni_id, code)
    s = db.session()
    backend_pid = (
        s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar() if db.engine.dialect.name != "sqlite" else 0
    )

    flushed: list[str] = []  # what this transaction has sent to the database, in order

    def wait_for_the_kill() -> None:
        state = {"backend_pid": backend_pid, "version": version, "flushed": flushed}
        Path(marker + ".tmp").write_text(json.dumps(state), encoding="utf-8")
        Path(marker + ".tmp").replace(marker)
        time.sleep(120)

    def after_flush(session: Any, _ctx: Any) -> None:
        flushed.extend(sorted(type(o).__name__ for o in session.new | session.dirty))
        if stop_at == "status-row" and "MeasureStatus" in flushed:  # inside set_status, before its history row
            wait_for_the_kill()

    event.listen(s, "after_flush", after_flush)
    set_status(
        s,
        municipality=s.get(m.Municipality, muni_id),
        measure_code=code,
        status=next(c for c in CHOICES if c != current),
        actor="victim",
        source=SOURCE,
        expected_version=version,
        history_note="victim#uncommitted",
    )
    s.flush()  # both rows written, not committed
    wait_for_the_kill()


# --- checking the database against the logs -------------------------------------------------------


def _read_logs(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths if p.exists() for line in p.read_text(encoding="utf-8").splitlines()]


def _problems(url: str, logs: list[dict[str, Any]]) -> list[str]:
    """Everything that contradicts 'every committed change is recorded once, and nothing else is'."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        hist = conn.execute(
            text(
                "SELECT h.status_id, h.municipality_id, h.measure_code, h.old_status, h.new_status, h.note "
                "FROM status_history h ORDER BY h.id"
            )
        ).all()
        rows = conn.execute(
            text(
                "SELECT ms.id, t.municipality_id, me.code, ms.status, ms.version FROM measure_status ms "
                "JOIN target_object t ON t.id = ms.target_object_id JOIN measure me ON me.id = ms.measure_id"
            )
        ).all()
    engine.dispose()
    bad: list[str] = []
    notes = Counter(h.note for h in hist)
    logged = {r["note"]: r for r in logs}
    bad += [f"committed but not in history: {n}" for n in sorted(set(logged) - set(notes))]
    bad += [f"in history {c} times: {n}" for n, c in notes.items() if c > 1]
    bad += [f"in history but never committed: {n}" for n in sorted(set(notes) - set(logged))]
    for h in hist:
        r = logged.get(h.note)
        if r and (r["muni"], r["code"], r["status"]) != (h.municipality_id, h.measure_code, h.new_status):
            bad.append(f"{h.note}: history says {h.new_status} on {h.measure_code}, the writer committed {r}")
    by_status: dict[int, list[Any]] = defaultdict(list)
    for h in hist:
        by_status[h.status_id].append(h)
    writes: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for r in logs:
        writes[(r["muni"], r["code"])].append(r)
    for row in rows:
        hs, slot = by_status.get(row.id, []), (row.municipality_id, row.code)
        if row.version != len(hs):
            bad.append(f"{slot}: version {row.version} but {len(hs)} history rows")
        if not hs or hs[-1].new_status != row.status:
            bad.append(f"{slot}: status {row.status!r} is not the last history row's")
        previous = None
        for h in hs:
            if h.old_status != previous:
                bad.append(f"{slot} {h.note}: old status {h.old_status!r}, but the change before set {previous!r}")
            previous = h.new_status
        mine = sorted(writes.get(slot, []), key=lambda r: r["version"])
        if sorted(r["version"] for r in mine) != list(range(1, len(mine) + 1)):
            bad.append(f"{slot}: versions written {[r['version'] for r in mine]}: one was written twice")
        if mine and mine[-1]["status"] != row.status:
            bad.append(f"{slot}: status {row.status!r}, the last committed write was {mine[-1]}")
    return bad


def _slots(url: str, writers: int) -> tuple[list[tuple[int, str]], list[list[tuple[int, str]]]]:
    """Two measures of Tallinn shared by every writer, and one measure of its own per writer."""
    db = open_database(load_settings(database_url=url), prepare=False)
    with db.session() as s:
        tallinn = munis.find_municipality(s, "Tallinn")
        others = s.scalars(select(m.Municipality.id).where(m.Municipality.id != tallinn.id).order_by(m.Municipality.id))
        own = list(others)[:writers]
        codes = s.scalars(
            select(m.Measure.code)
            .join(m.Module, m.Module.id == m.Measure.module_id)
            .where(m.Measure.edition_id == tallinn.edition_id, m.Module.kind == "process")
            .order_by(m.Measure.id)
            .limit(3)
        ).all()
    db.engine.dispose()
    shared = [(tallinn.id, codes[0]), (tallinn.id, codes[1])]
    return shared, [[(mid, codes[2])] for mid in own]


def _start(target: Any, *args: Any) -> Any:
    proc = SPAWN.Process(target=target, args=args)
    proc.start()
    return proc


def _join(procs: list[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.1, deadline - time.monotonic()))
    alive = [p for p in procs if p.is_alive()]
    for p in alive:
        p.kill()
    assert not alive, f"{len(alive)} writer(s) still running after {timeout} s"
    assert [p.exitcode for p in procs] == [0] * len(procs), "a writer failed (traceback above)"


# --- the tests --------------------------------------------------------------------------------------


def test_concurrent_writers_lose_nothing(db_url: str, tmp_path: Path) -> None:
    """4 processes × 50 changes, most on two shared measures: every commit recorded exactly once."""
    shared, own = _slots(db_url, 4)
    logs = [tmp_path / f"w{i}.jsonl" for i in range(4)]
    procs = [
        _start(_writer, db_url, f"w{i}", shared * 3 + own[i], 50, str(logs[i]))  # three in four on shared ones
        for i in range(4)
    ]
    _join(procs)
    committed = _read_logs(logs)
    assert len(committed) == 200
    problems = _problems(db_url, committed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stop_at", ["status-row", "both-rows"])
def test_writer_killed_mid_transaction_leaves_no_trace(db_url: str, backend: str, tmp_path: Path, stop_at: str) -> None:
    """SIGKILL after the status row (and its history row) were written, before commit."""
    shared, own = _slots(db_url, 2)
    victim_slot = shared[0]
    marker, victim_log = tmp_path / "victim.ready", tmp_path / "victim.jsonl"
    logs = [tmp_path / f"w{i}.jsonl" for i in range(2)]
    victim = _start(_victim, db_url, victim_slot, 5, stop_at, str(marker), str(victim_log))
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert victim.is_alive(), "the victim died before it reached the point of the kill"
        assert time.monotonic() < deadline, "the victim never reached the point of the kill"
        time.sleep(0.05)
    held = json.loads(marker.read_text(encoding="utf-8"))
    written = {"status-row": ["MeasureStatus"], "both-rows": ["MeasureStatus", "StatusHistory"]}
    assert held["flushed"] == written[stop_at], "the victim stopped at the wrong point"
    # Others work meanwhile, on the victim's measure too: they wait for its lock, then go on.
    others = [_start(_writer, db_url, f"w{i}", [victim_slot, *own[i]], 15, str(logs[i])) for i in range(2)]
    assert _write_lock_free(db_url, backend, victim_slot, wait=0.2) is False, "the victim should hold a lock"
    time.sleep(0.5)
    victim.kill()
    victim.join(10)
    assert victim.exitcode == -signal.SIGKILL
    _join(others)

    if backend == "postgres":  # the server noticed the dead client and ended its transaction
        _wait_for_backend_gone(db_url, held["backend_pid"])
    assert _write_lock_free(db_url, backend, victim_slot, wait=2.0), "a lock outlived the killed writer"
    committed = _read_logs([victim_log, *logs])
    assert len(committed) == 5 + 2 * 15
    problems = _problems(db_url, committed)
    assert not problems, "\n".join(problems)

    db = open_database(load_settings(database_url=db_url), prepare=False)  # and it takes writes again
    try:
        version, _current = _read(db, *victim_slot)
        after = _commit_one(db, *victim_slot, "after#0", random.Random(0))
        assert after["version"] == version + 1
        problems = _problems(db_url, [*committed, after])
        assert not problems, "\n".join(problems)
        if backend == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        db.engine.dispose()


def _write_lock_free(url: str, backend: str, slot: tuple[int, str], *, wait: float) -> bool:
    """Could another connection take the write lock on this measure's status row within ``wait`` s?"""
    if backend == "sqlite":
        lite = sqlite3.connect(make_url(url).database or "", timeout=wait, isolation_level=None)
        try:
            lite.execute("BEGIN IMMEDIATE")
            lite.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            lite.close()
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET lock_timeout = '{int(wait * 1000)}ms'")
            conn.execute(
                text(
                    "SELECT ms.id FROM measure_status ms JOIN target_object t ON t.id = ms.target_object_id "
                    "JOIN measure me ON me.id = ms.measure_id "
                    "WHERE t.municipality_id = :muni AND me.code = :code FOR UPDATE OF ms"
                ),
                {"muni": slot[0], "code": slot[1]},
            ).one()
            conn.rollback()
            return True
    except OperationalError as exc:
        assert "lock timeout" in str(exc)
        return False
    finally:
        engine.dispose()


def _wait_for_backend_gone(url: str, pid: int) -> None:
    engine = create_engine(normalise_url(url))
    try:
        deadline = time.monotonic() + 10
        with engine.connect() as conn:
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar():
                assert time.monotonic() < deadline, f"backend {pid} of the killed writer is still there"
                time.sleep(0.05)
            assert not conn.execute(text("SELECT count(*) FROM pg_locks WHERE pid = :p"), {"p": pid}).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("first_write", [False, True], ids=["existing-row", "first-write"])
def test_same_expected_version_exactly_one_wins(db: Database, first_write: bool) -> None:
    """A holds its written (uncommitted) change while B writes with the same version: B must lose."""
    with db.session() as s:
        mu = munis.find_municipality(s, "Tallinn")
        if not first_write:
            set_status(s, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="seed")
            s.commit()
    expected = 0 if first_write else 1
    a = db.session()
    set_status(
        a,
        municipality=a.get(m.Municipality, mu.id),
        measure_code="ORP.4.M1",
        status="implemented",
        actor="mari",
        expected_version=expected,
        history_note="A",
    )
    a.flush()
    outcome: list[Any] = []

    def b_saves() -> None:  # the app's run_db: a fresh session per attempt, "locked" retried
        for attempt in range(LOCK_RETRIES + 1):
            try:
                with db.session() as s:
                    set_status(
                        s,
                        municipality=s.get(m.Municipality, mu.id),
                        measure_code="ORP.4.M1",
                        status="not_implemented",
                        actor="jaan",
                        expected_version=expected,
                        history_note="B",
                    )
                    s.commit()
                outcome.append("committed")
            except Exception as exc:
                if _is_locked(exc) and attempt < LOCK_RETRIES:
                    time.sleep(BACKOFF * (attempt + 1))
                    continue
                outcome.append(exc)
            return

    b = threading.Thread(target=b_saves)
    b.start()
    time.sleep(0.3)  # B is now waiting for A's lock (PostgreSQL) or retrying (SQLite)
    a.commit()
    a.close()
    b.join(30)
    assert not b.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], ConflictError), f"B should have been refused, got {outcome[0]!r}"
    message = str(outcome[0])
    assert "theirs is 'implemented', yours is 'not_implemented'" in message
    assert f"version {expected + 1}, you had version {expected}" in message
    with db.session() as s:
        rows = s.execute(
            select(m.StatusHistory.note, m.StatusHistory.new_status)
            .where(m.StatusHistory.municipality_id == mu.id, m.StatusHistory.measure_code == "ORP.4.M1")
            .order_by(m.StatusHistory.id)
        ).all()
        status = s.scalars(
            select(m.MeasureStatus)
            .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
            .join(m.TargetObject, m.TargetObject.id == m.MeasureStatus.target_object_id)
            .where(m.Measure.code == "ORP.4.M1", m.TargetObject.municipality_id == mu.id)
        ).one()
    assert (status.status, status.version, status.updated_by) == ("implemented", expected + 1, "mari")
    assert [r.note for r in rows][-1] == "A" and "B" not in [r.note for r in rows]
    assert len(rows) == expected + 1
