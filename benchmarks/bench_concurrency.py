"""Concurrent status writes: throughput, latency, and the proof that no write was lost.

Several writer *processes* change statuses through ``set_status`` + commit, one transaction per
change, the way the app does it: read the status and its version (one transaction, like the
screen), then write with that version as ``expected_version`` (another transaction, like the
save). Some measures are shared by all writers (contention), the rest belong to one writer each.
A ConflictError is answered by reading again and deciding again; SQLite's "database is locked"
by a retry with the app's backoff (``tui/work.py``). Each change carries "w<writer>#<seq>" in its
history note, and every writer logs what it committed; afterwards the database is checked
against those logs (see ``prove``).

    python benchmarks/bench_concurrency.py [--backend sqlite|postgres|both] [--writers 8] [--changes 1000]

SQLite runs on a file in a temporary directory; PostgreSQL on a new database created on the
server named by ``--pg-url`` (default ``$EITS_BENCH_POSTGRES_URL`` or the local server) and
dropped at the end. Config and data directories point into the temp dir: the user's real
database and settings are never touched. Exit code 1 when a proof fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest-concurrency.json"
DEFAULT_PG = os.environ.get("EITS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: Statuses that need no extra fields; a writer always picks one different from the current.
CHOICES = ("implemented", "partial", "not_implemented")
SOURCE = "bench"


# --- the writer (runs in a spawned process) ----------------------------------------------------


def _is_locked(exc: BaseException) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def writer_main(cfg: dict[str, Any], barrier: Any) -> None:
    """Perform ``cfg['changes']`` committed changes and write the log to ``cfg['log']`` (JSON lines)."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from eits_tracker.config import load_settings
    from eits_tracker.db import models as m
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.statuses import ConflictError, set_status

    w = cfg["writer"]
    rng = random.Random(cfg["seed"] * 1000 + w)
    db = open_database(load_settings(database_url=cfg["url"]), prepare=False)
    slots = [tuple(s) for s in cfg["slots"]]
    hot = [s for s in slots if s[2]]
    own = [s for s in slots if not s[2]]
    backoff, app_retries = cfg["backoff"], cfg["lock_retries"]

    reader = db
    if cfg["sqlite_begin"] == "immediate" and db.engine.dialect.name == "sqlite":
        # An experiment, not what the app does: write transactions take the write lock at BEGIN
        # and wait in the busy handler, instead of failing with "database is locked" when their
        # read snapshot went stale. Reads keep a separate engine with the app's plain BEGIN.
        from sqlalchemy import event

        from eits_tracker.db import engine as engine_module

        reader = open_database(load_settings(database_url=cfg["url"]), prepare=False)
        event.remove(db.engine, "begin", engine_module._sqlite_begin)
        event.listen(db.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))

    def read(muni_id: int, code: str) -> tuple[int, str]:
        with reader.session() as s:
            row = s.execute(
                select(m.MeasureStatus.version, m.MeasureStatus.status)
                .join(m.TargetObject, m.TargetObject.id == m.MeasureStatus.target_object_id)
                .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
                .where(m.TargetObject.municipality_id == muni_id, m.TargetObject.is_default, m.Measure.code == code)
            ).first()
            return (row[0], row[1]) if row else (0, "not_assessed")

    with db.session() as s:  # warm up: imports, connection, first query
        s.get(m.Municipality, slots[0][0])
    barrier.wait()
    with open(cfg["log"], "w", encoding="utf-8") as log:
        for seq in range(cfg["changes"]):
            muni_id, code, shared = rng.choice(hot) if hot and rng.random() < cfg["hot_share"] else rng.choice(own)
            note = f"w{w}#{seq}"
            counts: Counter[str] = Counter()
            t_start = time.monotonic()
            while True:
                version, current = read(muni_id, code)
                status = rng.choice([c for c in CHOICES if c != current])
                locked = 0
                while True:  # the app's run_db: the same write again after "database is locked"
                    try:
                        with db.session() as s:
                            muni = s.get(m.Municipality, muni_id)
                            change = set_status(
                                s,
                                municipality=muni,
                                measure_code=code,
                                status=status,
                                actor=f"w{w}",
                                source=SOURCE,
                                expected_version=version,
                                history_note=note,
                            )
                            if change.history is None:  # someone set the same value meanwhile
                                outcome, written = "noop", 0
                            else:
                                written = change.row.version
                                t_before = time.monotonic()
                                s.commit()
                                t_after = time.monotonic()
                                outcome = "committed"
                    except ConflictError:
                        outcome = "conflict"
                    except IntegrityError:
                        # Two first writes of one measure: the loser hits the unique constraint
                        # (PostgreSQL) instead of a ConflictError.
                        outcome = "unique"
                    except Exception as exc:
                        if not _is_locked(exc):
                            raise
                        counts["lock_retries"] += 1
                        locked += 1
                        counts["beyond_app_retries"] += locked == app_retries + 1
                        time.sleep(backoff * min(locked, app_retries))
                        continue
                    break
                if outcome == "committed":
                    break
                counts[outcome] += 1
            rec = {
                "w": w,
                "seq": seq,
                "muni": muni_id,
                "code": code,
                "shared": shared,
                "status": status,
                "version": written,
                "t_start": t_start,
                "t_before": t_before,
                "t_after": t_after,
                **counts,
            }
            log.write(json.dumps(rec) + "\n")
            log.flush()
    db.engine.dispose()


# --- preparing, running, proving ---------------------------------------------------------------


def choose_slots(url: str, writers: int, hot: int, own: int) -> tuple[list[list[Any]], list[list[list[Any]]]]:
    """Shared measures of Tallinn for everyone, and ``own`` measures of another municipality per writer."""
    from sqlalchemy import select

    from eits_tracker.config import load_settings
    from eits_tracker.db import models as m
    from eits_tracker.db.setup import open_database

    db = open_database(load_settings(database_url=url), prepare=False)
    with db.session() as s:
        munis = s.scalars(select(m.Municipality).order_by(m.Municipality.name)).all()
        tallinn = next(mu for mu in munis if mu.name == "Tallinn")
        others = [mu for mu in munis if mu.id != tallinn.id][:writers]
        codes = s.scalars(
            select(m.Measure.code)
            .join(m.Module, m.Module.id == m.Measure.module_id)
            .where(m.Measure.edition_id == tallinn.edition_id, m.Module.kind == "process")
            .order_by(m.Measure.id)
        ).all()
    db.engine.dispose()
    slots: list[list[Any]] = [[tallinn.id, code, True] for code in codes[:hot]]
    per_writer = [[[mu.id, code, False] for code in codes[hot : hot + own]] for mu in others]
    return slots, per_writer


def run_writers(url: str, args: argparse.Namespace, tmp: Path, lock_retries: int) -> tuple[list[dict], float]:
    hot, per_writer = choose_slots(url, args.writers, args.hot, args.own)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.writers + 1)
    procs = []
    for w in range(args.writers):
        cfg = {
            "writer": w,
            "url": url,
            "seed": args.seed,
            "changes": args.changes,
            "slots": hot + per_writer[w],
            "hot_share": args.hot_share,
            "backoff": 0.2,
            "sqlite_begin": args.sqlite_begin,
            "lock_retries": lock_retries,
            "log": str(tmp / f"writer-{w}.jsonl"),
        }
        p = ctx.Process(target=writer_main, args=(cfg, barrier), name=f"writer-{w}")
        p.start()
        procs.append(p)
    barrier.wait(timeout=120)
    t0 = time.monotonic()
    for p in procs:
        p.join()
    wall = time.monotonic() - t0
    failed = [p.name for p in procs if p.exitcode != 0]
    if failed:
        raise SystemExit(f"writer process(es) failed: {', '.join(failed)} (traceback above)")
    logs: list[dict[str, Any]] = []
    for w in range(args.writers):
        with open(tmp / f"writer-{w}.jsonl", encoding="utf-8") as fh:
            logs.extend(json.loads(line) for line in fh)
    return logs, wall


def prove(url: str, logs: list[dict]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Check the database against the writers' commit logs; one entry per claim, with examples."""
    from sqlalchemy import create_engine, text

    from eits_tracker.db.engine import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        hist = conn.execute(
            text(
                "SELECT h.id, h.status_id, h.municipality_id, h.measure_code, h.old_status, h.new_status, h.note "
                "FROM status_history h WHERE h.source = :src ORDER BY h.id"
            ),
            {"src": SOURCE},
        ).all()
        rows = conn.execute(
            text(
                "SELECT ms.id, t.municipality_id, me.code, ms.status, ms.version, "
                "(SELECT count(*) FROM status_history h WHERE h.status_id = ms.id) "
                "FROM measure_status ms JOIN target_object t ON t.id = ms.target_object_id "
                "JOIN measure me ON me.id = ms.measure_id"
            )
        ).all()
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar() if engine.dialect.name == "sqlite" else None
    engine.dispose()

    checks: list[dict[str, Any]] = []
    stats: dict[str, int] = {}

    def claim(name: str, bad: list[Any]) -> None:
        checks.append({"claim": name, "ok": not bad, "violations": len(bad), "examples": [str(b) for b in bad[:5]]})

    by_key = {(r["w"], r["seq"]): r for r in logs}
    notes = Counter(h.note for h in hist)
    logged = {f"w{w}#{seq}" for w, seq in by_key}
    claim("every committed change is in status_history", sorted(logged - set(notes)))
    claim("no change is in status_history twice", sorted(n for n, c in notes.items() if c > 1))
    claim("status_history holds nothing that was not committed", sorted(set(notes) - logged))
    wrong = []
    for h in hist:
        w, seq = h.note[1:].split("#")
        r = by_key.get((int(w), int(seq)))
        if r and (r["muni"], r["code"], r["status"]) != (h.municipality_id, h.measure_code, h.new_status):
            wrong.append(
                (h.note, (h.municipality_id, h.measure_code, h.new_status), (r["muni"], r["code"], r["status"]))
            )
    claim("each history row says what its writer committed", wrong)

    per_slot: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for r in logs:
        per_slot[(r["muni"], r["code"])].append(r)
    hist_slot: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for h in hist:
        hist_slot[(h.municipality_id, h.measure_code)].append(h)
    status_rows = {(r[1], r[2]): r for r in rows}

    versions, clock, final_log, final_hist, counts, chain, order = [], [], [], [], [], [], []
    for slot, writes in sorted(per_slot.items()):
        writes.sort(key=lambda r: (r["version"], r["t_after"]))
        got = [r["version"] for r in writes]
        if got != list(range(1, len(writes) + 1)):
            dup = sorted(v for v, c in Counter(got).items() if c > 1)
            versions.append((slot, f"{len(writes)} writes, versions written twice: {dup[:10]}"))
        for a, b in pairwise(writes):
            if b["t_after"] < a["t_before"]:
                clock.append((slot, a["version"], b["version"]))
        row = status_rows.get(slot)
        if row is None:
            final_log.append((slot, "no status row"))
            continue
        if row.status != writes[-1]["status"]:
            final_log.append(
                (slot, f"db {row.status!r}, last write {writes[-1]['status']!r} (v{writes[-1]['version']})")
            )
        hs = hist_slot[slot]
        if hs and row.status != hs[-1].new_status:
            final_hist.append((slot, f"db {row.status!r}, last history row {hs[-1].new_status!r}"))
        prev = None
        for h in hs:
            if h.old_status != prev:
                chain.append((slot, h.note, f"old {h.old_status!r} but previous new {prev!r}"))
            prev = h.new_status
        log_order = [f"w{r['w']}#{r['seq']}" for r in writes]
        if [h.note for h in hs] != log_order:
            order.append((slot, "history order differs from the order of the versions written"))
    for st in rows:
        if st[4] != st[5]:
            counts.append(((st[1], st[2]), f"version {st[4]}, {st[5]} history rows"))
    stats["history_rows"] = len(hist)
    stats["lost_updates"] = sum(max(0, st[5] - st[4]) for st in rows)
    claim("each measure's versions 1..n were each written exactly once (no lost update)", versions)
    claim("measure_status.version equals its number of history rows", counts)
    claim("final status equals the last committed write (writers' log)", final_log)
    claim("final status equals the last history row", final_hist)
    claim("history chain unbroken (old_status = previous new_status)", chain)
    claim("history order equals commit order (versions)", order)
    claim("commit clocks agree with the version order", clock)
    if engine.dialect.name == "sqlite":
        claim("SQLite integrity_check", [] if integrity == "ok" else [integrity])
    return checks, stats


def percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": q[49], "p90": q[89], "p99": q[98], "max": max(samples), "mean": statistics.fmean(samples)}


def measure(backend: str, url: str, args: argparse.Namespace, tmp: Path, lock_retries: int) -> dict[str, Any]:
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database

    t = time.monotonic()
    db = open_database(load_settings(database_url=url), prepare=True)
    db.engine.dispose()
    prepare_s = time.monotonic() - t
    print(f"[{backend}] prepared in {prepare_s:.1f} s; {args.writers} writers × {args.changes} changes …", flush=True)
    logs, wall = run_writers(url, args, tmp, lock_retries)
    start = min(r["t_start"] for r in logs)
    span = max(r["t_after"] for r in logs) - start
    total = lambda key: sum(r.get(key, 0) for r in logs)  # noqa: E731
    action = [r["t_after"] - r["t_start"] for r in logs]
    commit = [r["t_after"] - r["t_before"] for r in logs]
    retried = [r for r in logs if r.get("conflict") or r.get("lock_retries") or r.get("unique") or r.get("noop")]
    shared = Counter(r["code"] for r in logs if r["shared"])
    t = time.monotonic()
    checks, stats = prove(url, logs)
    prove_s = time.monotonic() - t
    result = {
        "backend": backend,
        "changes": len(logs),
        "prepare_seconds": prepare_s,
        "run_wall_seconds": wall,
        "first_start_to_last_commit_seconds": span,
        "throughput_changes_per_s": len(logs) / span,
        "latency_action_s": percentiles(action),
        "latency_commit_s": percentiles(commit),
        "conflicts": total("conflict"),
        "lock_retries": total("lock_retries"),
        "changes_beyond_app_lock_retries": total("beyond_app_retries"),
        "unique_violations": total("unique"),
        "noops": total("noop"),
        "changes_retried": len(retried),
        "max_lock_retries_one_change": max(r.get("lock_retries", 0) for r in logs),
        "writes_per_shared_measure": dict(sorted(shared.items())),
        **stats,
        "proof_seconds": prove_s,
        "proof": checks,
        "proof_ok": all(c["ok"] for c in checks),
    }
    print(f"[{backend}] {len(logs)} changes in {span:.1f} s; proof {'OK' if result['proof_ok'] else 'FAILED'}")
    return result


def pg_database(admin_url: str, name: str, *, drop: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from eits_tracker.db.engine import normalise_url

    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)


def pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    from eits_tracker.db.engine import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar())
    engine.dispose()
    return version


def machine(pg_url: str | None) -> dict[str, Any]:
    import sqlalchemy

    return {
        "platform": platform.platform(),
        "load_average_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": pg_version(pg_url) if pg_url else None,
    }


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def table(results: list[dict[str, Any]], writers: int, changes: int) -> str:
    lines = [
        f"| backend | changes ({writers}×{changes}) | s | changes/s | p50 ms | p90 ms | p99 ms | max ms "
        "| commit p50/p99 ms | conflicts | lock retries (beyond app's) | unique viol. | lost updates | proof |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        a, c = r["latency_action_s"], r["latency_commit_s"]
        failed = [x["claim"] for x in r["proof"] if not x["ok"]]
        lines.append(
            f"| {r['backend']} | {r['changes']} | {r['first_start_to_last_commit_seconds']:.1f} "
            f"| {r['throughput_changes_per_s']:.0f} | {ms(a['p50'])} | {ms(a['p90'])} | {ms(a['p99'])} "
            f"| {ms(a['max'])} | {ms(c['p50'])}/{ms(c['p99'])} | {r['conflicts']} "
            f"| {r['lock_retries']} ({r['changes_beyond_app_lock_retries']}) | {r['unique_violations']} "
            f"| {r['lost_updates']} | {'all hold' if not failed else 'FAILED: ' + '; '.join(failed)} |"
        )
    lines += ["", "| backend | claim | holds | violations | example |", "|---|---|---|---:|---|"]
    for r in results:
        for x in r["proof"]:
            ex = x["examples"][0].replace("|", "/") if x["examples"] else ""
            lines.append(f"| {r['backend']} | {x['claim']} | {'yes' if x['ok'] else 'NO'} | {x['violations']} | {ex} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--writers", type=int, default=8, help="writer processes (default 8)")
    parser.add_argument("--changes", type=int, default=1000, help="committed changes per writer (default 1000)")
    parser.add_argument("--hot", type=int, default=6, help="measures shared by all writers (default 6)")
    parser.add_argument("--own", type=int, default=20, help="measures of each writer's own municipality (default 20)")
    parser.add_argument("--hot-share", type=float, default=0.3, help="share of changes on shared measures")
    parser.add_argument(
        "--sqlite-begin",
        choices=("deferred", "immediate"),
        default="deferred",
        help="SQLite write transactions: BEGIN as the app does (default), or BEGIN IMMEDIATE to compare",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="server to create the scratch database on")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)

    from eits_tracker.tui.work import LOCK_RETRIES

    started = time.monotonic()
    load_at_start = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="eits-bench-conc-") as tmpdir:
        tmp = Path(tmpdir)
        # Spawned writers inherit these: nothing reads the user's config or data directory.
        os.environ.pop("EITS_DATABASE_URL", None)
        os.environ["EITS_DATA_DIR"] = str(tmp / "data")
        os.environ["EITS_CONFIG_DIR"] = str(tmp / "config")
        if args.backend in ("sqlite", "both"):
            (tmp / "sqlite").mkdir()
            url = f"sqlite:///{tmp / 'sqlite' / 'eits.sqlite3'}"
            results.append(measure("sqlite", url, args, tmp / "sqlite", LOCK_RETRIES))
        if args.backend in ("postgres", "both"):
            (tmp / "pg").mkdir()
            name = f"eits_bench_concurrency_{os.getpid()}"
            url = pg_database(args.pg_url, name, drop=False)
            try:
                results.append(measure("postgres", url, args, tmp / "pg", LOCK_RETRIES))
            finally:
                pg_database(args.pg_url, name, drop=True)
    total = time.monotonic() - started
    md = table(results, args.writers, args.changes)
    print()
    print(md)
    print(f"\n{total:.0f} s in all")
    out = {
        "benchmark": "concurrency",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "pg_url"},
        "app_lock_retries": LOCK_RETRIES,
        "load_average_at_start": load_at_start,
        "machine": machine(args.pg_url if args.backend != "sqlite" else None),
        "units": "seconds; latency_action = read + write + retries until committed, latency_commit = commit()",
        "results": results,
        "table_markdown": md,
        "total_seconds": total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    print(f"wrote {args.out}")
    return 0 if all(r["proof_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
