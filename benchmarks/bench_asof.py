"""Maturity "as of" a past quarter at scale: 1,000 organisations × 12 quarters, the 79 demo, and growth.

    python benchmarks/bench_asof.py [--db /tmp/scale-1000x12.sqlite3] [--repeat 5] [--out FILE]

Times ``maturity_all(session, at=quarter_end(q))`` for every organisation: for the 1,000 at every
completed quarter, for the 79 at an early, a middle and the last one. The first reading of a quarter
replays the history and keeps its snapshots (timed on its own, with none kept before), the runs
after it, each in a fresh session, read them back (tracking/snapshots.py). All against a lean
baseline in the same run: one raw ``sqlite3`` query taking the last history
row per status as of T (GROUP BY max id) and counting statuses per organisation. Then the same for
79, 250, 500 and 1,000 generated organisations at one quarter, per organisation.

Databases come from benchmarks/generate.py (the 79 demo from ``tracking.demo.generate``) in a
temporary directory, removed at the end; ``--db`` keeps the 1,000 × 12 file there between runs
(generated when missing). EITS_DATA_DIR and EITS_CONFIG_DIR point into the temporary directory.
Results: benchmarks/results/latest-asof.json and a Markdown table. Target: ≤ 2 s per quarter for
all 1,000 organisations.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_data_core import machine, summary
from generate import DEFAULT_END, DEFAULT_SEED, generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest-asof.json"
TARGET_S = 2.0
SCALE_ORGS = (79, 250, 500, 1000)
QUARTERS = 12
#: The lean floor: the last history row per status as of T, counted per organisation and status.
LEAN_SQL = """
SELECT h.municipality_id, h.new_status, count(*)
FROM status_history h
JOIN (SELECT max(id) AS id FROM status_history WHERE changed_at <= ? GROUP BY status_id) last ON last.id = h.id
WHERE h.new_status != 'not_assessed'
GROUP BY h.municipality_id, h.new_status
"""


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def time_ours(path: Path, at: datetime, repeat: int) -> dict[str, Any]:
    """maturity_all as of ``at``: wall and CPU seconds per run, each in a fresh session.

    ``first``: the first reading of the quarter, with no snapshot kept of it (they are removed
    first): the history is replayed and, when the session closes, the snapshots are kept — that
    close is inside the timing. The runs after it read the snapshots (tracking/snapshots.py)."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking import maturity as mat

    forget(path)
    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    try:
        t = time.perf_counter()
        with db.session() as s:
            orgs = len(mat.maturity_all(s, at=at))
        first = time.perf_counter() - t
        wall, cpu = [], []
        for _ in range(repeat):
            with db.session() as s:
                t, c = time.perf_counter(), time.process_time()
                mat.maturity_all(s, at=at)
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
    finally:
        db.engine.dispose()
    return {"orgs": orgs, "first": first, "kept": kept(path), "wall": summary(wall), "cpu": summary(cpu)}


def in_turn(path: Path, quarters: list[str]) -> list[dict[str, Any]]:
    """Every quarter read for the first time, oldest first, as a database lives through them: each
    first reading finds the quarter before it kept (and replays only the history since)."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking import maturity as mat

    forget(path)
    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    out = []
    try:
        for quarter in quarters:
            t = time.perf_counter()
            with db.session() as s:
                mat.maturity_all(s, at=mat.quarter_end(quarter))
            out.append({"quarter": quarter, "first": time.perf_counter() - t})
            print(f"  in turn {quarter}: first {out[-1]['first']:.3f} s", file=sys.stderr)
    finally:
        db.engine.dispose()
    return out


def forget(path: Path) -> None:
    """Remove every kept snapshot, so that the next reading replays the history."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("DELETE FROM status_snapshot")
    finally:
        conn.close()


def kept(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM status_snapshot").fetchone()[0])
    finally:
        conn.close()


def time_lean(path: Path, at: datetime, repeat: int) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(LEAN_SQL, (_stamp(at),)).fetchall()  # warm-up
        wall = []
        for _ in range(repeat):
            t = time.perf_counter()
            conn.execute(LEAN_SQL, (_stamp(at),)).fetchall()
            wall.append(time.perf_counter() - t)
    finally:
        conn.close()
    return {"orgs": len({r[0] for r in rows}), "statuses": sum(r[2] for r in rows), "wall": summary(wall)}


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = ("municipality", "target_object", "measure_status", "status_history", "edition_migration")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def demo_database(path: Path) -> dict[str, Any]:
    """The 79 municipalities with ``eits-tracker demo``'s data (seed 2026, end 2026-11-27)."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.demo import generate as demo

    db = open_database(load_settings(database_url=f"sqlite:///{path}"))
    try:
        with db.session() as s:
            result = demo(s, seed=DEFAULT_SEED, end=DEFAULT_END)
            s.commit()
    finally:
        db.engine.dispose()
    return {"quarters": result.quarters}


def picked(quarters: list[str]) -> list[str]:
    """An early, a middle and the last completed quarter (the last one is still running at --end)."""
    done = quarters[:-1]
    return list(dict.fromkeys((done[0], done[len(done) // 2], done[-1])))


def scenario(name: str, path: Path, quarter: str, repeat: int) -> dict[str, Any]:
    from eits_tracker.tracking.maturity import quarter_end

    at = quarter_end(quarter)
    ours, lean = time_ours(path, at, repeat), time_lean(path, at, repeat)
    print(
        f"  {name} {quarter}: first {ours['first']:.3f} s, then {ours['wall']['median']:.3f} s "
        f"(lean {lean['wall']['median']:.3f} s)",
        file=sys.stderr,
    )
    return {"name": name, "quarter": quarter, "at": at.isoformat(), "ours": ours, "lean": lean}


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| scenario | quarter | first (replayed, kept) | then median | min–max | CPU median | lean median | ratio |"
        " per org | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results["asof"]:
        o, lean = r["ours"], r["lean"]
        target = TARGET_S if o["orgs"] >= 1000 else None
        met = ("yes" if max(o["wall"]["median"], o["first"]) <= target else "**no**") if target else "—"
        lines.append(
            f"| {r['name']} | {r['quarter']} | {o['first']:.3f} s | {o['wall']['median']:.3f} s | "
            f"{o['wall']['min']:.3f}–{o['wall']['max']:.3f} s | {o['cpu']['median']:.3f} s | "
            f"{lean['wall']['median'] * 1000:.0f} ms | {o['wall']['median'] / lean['wall']['median']:.2f}× | "
            f"{o['wall']['median'] / o['orgs'] * 1000:.2f} ms | "
            f"{f'≤ {target:.0f} s' if target else '—'} | {met} |"
        )
    if not results["scaling"]:
        return "\n".join(lines)
    lines += ["", "| organisations | quarter | median | min–max | ms per org | per org vs 79 | history rows |"]
    lines.append("|---:|---|---:|---:|---:|---:|---:|")
    base = results["scaling"][0]
    per_base = base["ours"]["wall"]["median"] / base["ours"]["orgs"]
    for r in results["scaling"]:
        o = r["ours"]
        per = o["wall"]["median"] / o["orgs"]
        lines.append(
            f"| {o['orgs']} | {r['quarter']} | {o['wall']['median']:.3f} s | {o['wall']['min']:.3f}–"
            f"{o['wall']['max']:.3f} s | {per * 1000:.2f} | {per / per_base:.2f} | {r['rows']['status_history']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="the 1000 × 12 file to reuse (generated there when missing)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario (default 5)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    parser.add_argument("--no-scaling", action="store_true", help="skip 79/250/500 organisations")
    parser.add_argument(
        "--scale-orgs",
        default=",".join(map(str, SCALE_ORGS)),
        help="organisations in the growth rows (default %(default)s)",
    )
    parser.add_argument("--scale-dir", type=Path, help="where scale-N.sqlite3 files are kept (generated when missing)")
    parser.add_argument("--demo-db", type=Path, help="a demo database to read (default: made here with the demo data)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results: dict[str, Any] = {"asof": [], "scaling": [], "generation": {}}
    with tempfile.TemporaryDirectory(prefix="eits-bench-asof-") as tmp_name:
        tmp = Path(tmp_name)
        # load_settings reads the config dir: nothing may reach the real one, nor the user's database.
        os.environ.pop("EITS_DATABASE_URL", None)
        os.environ.update(EITS_DATA_DIR=str(tmp / "data"), EITS_CONFIG_DIR=str(tmp / "config"), EITS_USER="bench")

        def step(name: str) -> None:
            print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)

        big = args.db or tmp / f"scale-1000x{QUARTERS}.sqlite3"
        if not big.exists():
            step(f"generating 1000 × {QUARTERS} into {big}")
            gen = generate(big, orgs=1000, quarters=QUARTERS)
            results["generation"]["1000"] = {"seconds": gen.seconds, "rows": gen.rows}
        big_quarters = [q[0] for q in _quarters(QUARTERS)]
        step("1000 organisations, as of every completed quarter")
        for quarter in big_quarters[:-1]:
            results["asof"].append(scenario("1000 × 12 generated", big, quarter, args.repeat))
        step("1000 organisations, each completed quarter read for the first time, in turn")
        results["in_turn"] = in_turn(big, big_quarters[:-1])

        step("the 79 demo municipalities")
        demo_path = args.demo_db or tmp / "demo.sqlite3"
        demo_quarters = [q[0] for q in _quarters(8)] if args.demo_db else demo_database(demo_path)["quarters"]
        for quarter in picked(demo_quarters):
            results["asof"].append(scenario("79 demo", demo_path, quarter, args.repeat))
        results["rows"] = {"1000": counts(big), "demo": counts(demo_path)}

        if not args.no_scaling:
            middle = picked(big_quarters)[1]
            for orgs in (int(n) for n in args.scale_orgs.split(",")):
                path = big
                if orgs != 1000:
                    path = (args.scale_dir or tmp) / f"scale-{orgs}.sqlite3"
                    if not path.exists():
                        step(f"generating {orgs} × {QUARTERS}")
                        gen = generate(path, orgs=orgs, quarters=QUARTERS)
                        results["generation"][str(orgs)] = {"seconds": gen.seconds, "rows": gen.rows}
                same = [r for r in results["asof"] if path == big and r["quarter"] == middle]
                # The 1000 × 12 file at the middle quarter was just timed above: the same figures serve.
                entry = dict(same[0]) if same else scenario(f"{orgs} × 12 generated", path, middle, args.repeat)
                entry["rows"] = counts(path)
                results["scaling"].append(entry)
        step("done")

    table = markdown(results)
    report = {
        "benchmark": "asof",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *(argv if argv is not None else sys.argv[1:])]),
        "repeat": args.repeat,
        "machine": machine(),
        "units": "seconds",
        "target_seconds_1000": TARGET_S,
        "results": results,
        "table_markdown": table,
        "total_seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table)
    print(f"\n{args.repeat} runs each, {report['total_seconds']:.0f} s in all; results in {args.out}")
    return 0


def _quarters(count: int) -> list[tuple[str, Any, Any]]:
    from eits_tracker.tracking.demo import quarter_ends

    return quarter_ends(DEFAULT_END, count)


if __name__ == "__main__":
    sys.exit(main())
