"""Data-core benchmarks: catalogue import, demo data, one status change, CLI cold start, peak memory.

Each scenario runs several times on fresh SQLite files in a temporary directory and is set
against the same work done the leanest way (raw ``sqlite3``, a bare interpreter) in the same
run, so the ratio says what our layers cost on this machine. See benchmarks/README.md.

    python benchmarks/bench_data_core.py [--repeat N] [--out benchmarks/results/latest-data-core.json]

The user's real database is never touched: every directory setting points into the temp dir,
in this process and in every subprocess, and the database URL is always given explicitly.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest-data-core.json"
DEMO_SEED = 2026
DEMO_END = date(2026, 11, 27)
STATUS_CHANGES = 200
WEB_TOOL_SECONDS_PER_CHANGE = 2.4
#: The same connection settings as eits_tracker.db.engine, so lean baselines pay the same fsync policy.
LEAN_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")
#: Runs a command and reports its wall time and peak RSS: RUSAGE_CHILDREN is a maximum over *all*
#: waited-for children, so each measured command gets its own fresh parent.
RSS_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "s = time.perf_counter() - t\n"
    "print(json.dumps({'rc': p.returncode, 'seconds': s, 'stderr': p.stderr[-2000:],\n"
    "                  'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


# --- helpers ------------------------------------------------------------------------------


def summary(samples: Sequence[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": list(samples)}


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t, result


def venv_bin(name: str) -> str:
    for candidate in (ROOT / ".venv" / "bin" / name, Path(sys.executable).parent / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: run 'make install' first (the benchmark uses .venv/bin/{name}).")
    return found


def isolated_env(tmp: Path) -> dict[str, str]:
    """Config and data dirs inside the temp dir; no database URL inherited from the caller."""
    env = {k: v for k, v in os.environ.items() if k != "EITS_DATABASE_URL"}
    env["EITS_DATA_DIR"] = str(tmp / "data")
    env["EITS_CONFIG_DIR"] = str(tmp / "config")
    env["EITS_USER"] = "bench"
    return env


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    for suffix in ("-wal", "-shm"):
        side = Path(str(src) + suffix)
        if side.exists():
            shutil.copyfile(side, Path(str(dst) + suffix))
    return dst


def lean_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in LEAN_PRAGMAS:
        conn.execute(pragma)
    return conn


def run_cli(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return elapsed


def peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one run of ``cmd``."""
    out = subprocess.run([venv_bin("python"), "-c", RSS_WRAPPER, *cmd], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"memory wrapper failed: {out.stderr.strip()[-2000:]}")
    data = json.loads(out.stdout)
    if data["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({data['rc']}): {data['stderr'].strip()}")
    return data["maxrss_kib"] / 1024, data["seconds"]


def prepare_template(path: Path) -> None:
    """A database as 'eits-tracker db upgrade' leaves it: schema, both editions, 79 municipalities."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database

    db = open_database(load_settings(database_url=sqlite_url(path)))
    db.engine.dispose()


def fill_demo(path: Path) -> tuple[float, Any]:
    """Demo data into a prepared database; times only ``generate`` + commit."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.demo import generate

    db = open_database(load_settings(database_url=sqlite_url(path)), prepare=False)
    try:
        with db.session() as s:
            t = time.perf_counter()
            result = generate(s, seed=DEMO_SEED, end=DEMO_END)
            s.commit()
            return time.perf_counter() - t, result
    finally:
        db.engine.dispose()


# --- 1. catalogue import ------------------------------------------------------------------

LEAN_CATALOG_SCHEMA = """
CREATE TABLE edition (id INTEGER PRIMARY KEY, key, standard, year, title, language, valid_from, valid_to,
                      source, attribution, sha256, notes, loaded_at);
CREATE TABLE layer (id INTEGER PRIMARY KEY, edition_id, code, title, kind, parent_code);
CREATE TABLE module (id INTEGER PRIMARY KEY, edition_id, code, title, layer_code, subgroup_code, kind, purpose,
                     responsibility, limits);
CREATE TABLE measure (id INTEGER PRIMARY KEY, edition_id, module_id, code, module_code, title, level, responsible,
                      co_assignees, confidentiality, integrity, availability, lifecycle, text, threats);
CREATE TABLE threat (id INTEGER PRIMARY KEY, edition_id, code, title, description);
CREATE TABLE profile (id INTEGER PRIMARY KEY, edition_id, key, title);
CREATE TABLE profile_priority (id INTEGER PRIMARY KEY, profile_id, measure_code, priority);
"""
CATALOG_TABLES = ("edition", "layer", "module", "measure", "threat", "profile", "profile_priority")


def lean_catalog_load(conn: sqlite3.Connection, source: Path) -> None:
    with source.open(encoding="utf-8") as fh:
        d = json.load(fh)
    e = d["edition"]
    conn.execute("BEGIN")
    eid = conn.execute(
        "INSERT INTO edition VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            e["key"],
            e["standard"],
            e.get("year"),
            e["title"],
            e["language"],
            e.get("valid_from"),
            e.get("valid_to"),
            e["source"],
            e.get("attribution", ""),
            e.get("sha256", ""),
            json.dumps(e.get("notes", [])),
            datetime.now(UTC).isoformat(sep=" "),
        ),
    ).lastrowid
    conn.executemany(
        "INSERT INTO layer VALUES (NULL,?,?,?,?,?)",
        [(eid, x["code"], x["title"], x["kind"], x.get("parent")) for x in d["layers"]],
    )
    conn.executemany(
        "INSERT INTO module VALUES (NULL,?,?,?,?,?,?,?,?,?)",
        [
            (
                eid,
                x["code"],
                x["title"],
                x["layer"],
                x.get("subgroup"),
                x["kind"],
                x.get("purpose", ""),
                x.get("responsibility", ""),
                x.get("limits", ""),
            )
            for x in d["modules"]
        ],
    )
    module_ids = dict(conn.execute("SELECT code, id FROM module WHERE edition_id = ?", (eid,)).fetchall())
    conn.executemany(
        "INSERT INTO measure VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                eid,
                module_ids[x["module"]],
                x["code"],
                x["module"],
                x["title"],
                x["level"],
                x.get("responsible", ""),
                json.dumps(x.get("co_assignees", []), ensure_ascii=False),
                x.get("confidentiality", False),
                x.get("integrity", False),
                x.get("availability", False),
                x.get("lifecycle"),
                x.get("text", ""),
                json.dumps(x.get("threats", []), ensure_ascii=False),
            )
            for x in d["measures"]
        ],
    )
    conn.executemany(
        "INSERT INTO threat VALUES (NULL,?,?,?,?)",
        [(eid, t["code"], t["title"], t.get("description", "")) for t in d["threats"]],
    )
    for p in d["profiles"]:
        pid = conn.execute("INSERT INTO profile VALUES (NULL,?,?,?)", (eid, p["key"], p["title"])).lastrowid
        conn.executemany(
            "INSERT INTO profile_priority VALUES (NULL,?,?,?)",
            [(pid, code, pr) for code, pr in sorted(p["priorities"].items())],
        )
    conn.execute("COMMIT")


def row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CATALOG_TABLES}
    finally:
        conn.close()


def ours_catalog_load(engine: Any, source: Path) -> None:
    from eits_tracker.catalog import native
    from eits_tracker.catalog.load import load_edition
    from eits_tracker.db.engine import new_session

    cat = native.read(source)
    with new_session(engine) as s:
        load_edition(s, cat)
        s.commit()


def bench_catalog_import(tmp: Path, repeat: int) -> dict[str, Any]:
    from eits_tracker import paths
    from eits_tracker.catalog import native
    from eits_tracker.db.engine import make_engine
    from eits_tracker.db.migrate import upgrade

    source = paths.catalog_dir() / "eits-2024.json"
    ours, parse_only, lean = [], [], []
    counts: dict[str, int] = {}
    lean_counts: dict[str, int] = {}
    for i in range(repeat):
        path = tmp / f"catalog-{i}.sqlite3"
        engine = make_engine(sqlite_url(path))
        upgrade(engine)  # untimed: an already-migrated, empty database
        ours.append(timed(ours_catalog_load, engine, source)[0])
        engine.dispose()
        counts = row_counts(path)
        parse_only.append(timed(native.read, source)[0])

        lean_path = tmp / f"catalog-lean-{i}.sqlite3"
        conn = lean_connect(lean_path)
        conn.executescript(LEAN_CATALOG_SCHEMA)
        lean.append(timed(lean_catalog_load, conn, source)[0])
        conn.close()
        lean_counts = row_counts(lean_path)
    if counts != lean_counts:
        raise RuntimeError(f"lean catalogue load wrote other row counts: {lean_counts} vs {counts}")
    return {"ours": summary(ours), "parse_validate": summary(parse_only), "lean": summary(lean), "rows": counts}


# --- 2. demo data -------------------------------------------------------------------------


def table_columns(model: Any) -> list[str]:
    return [c.name for c in model.__table__.columns if c.name != "id"]


def fake_rows(columns: list[str], n: int) -> list[tuple[Any, ...]]:
    """Tuples as wide as the real rows, with values of the same types (untimed)."""
    stamp = "2026-05-17 08:31:12.123456"
    sample = {
        "target_object_id": 17,
        "measure_id": 1234,
        "status_id": 4321,
        "municipality_id": 17,
        "status": "partial",
        "new_status": "implemented",
        "old_status": "partial",
        "measure_code": "OPS.1.1.2.M12",
        "edition_key": "2024",
        "owner": "Infoturbejuht",
        "priority": "P2",
        "remaining": "Dokumenteerida ja juurutada.",
        "due_date": "2027-03-01",
        "evidence": "[]",
        "changes": "{}",
        "version": 2,
        "needs_review": 0,
        "archived": 0,
        "updated_by": "demo",
        "changed_by": "demo",
        "source": "demo",
        "updated_at": stamp,
        "changed_at": stamp,
    }
    template = [sample.get(c, "") for c in columns]
    return [
        tuple(i if c in ("measure_id", "status_id") else v for c, v in zip(columns, template, strict=True))
        for i in range(n)
    ]


def lean_bulk_insert(conn: sqlite3.Connection, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    conn.execute("BEGIN")
    for table, (columns, rows) in tables.items():
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    conn.execute("COMMIT")


def bench_demo(tmp: Path, template: Path, repeat: int) -> dict[str, Any]:
    from eits_tracker.db import models as m

    ours, lean = [], []
    result: Any = None
    status_cols, history_cols = table_columns(m.MeasureStatus), table_columns(m.StatusHistory)
    for i in range(repeat):
        path = copy_db(template, tmp / f"demo-{i}.sqlite3")
        seconds, result = fill_demo(path)
        ours.append(seconds)
        path.unlink()

        tables = {
            "measure_status": (status_cols, fake_rows(status_cols, result.statuses)),
            "status_history": (history_cols, fake_rows(history_cols, result.history)),
        }
        conn = lean_connect(tmp / f"demo-lean-{i}.sqlite3")
        for table, (columns, _rows) in tables.items():
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(columns)})")
        lean.append(timed(lean_bulk_insert, conn, tables)[0])
        conn.close()
    return {
        "ours": summary(ours),
        "lean": summary(lean),
        "rows": {"municipalities": result.municipalities, "statuses": result.statuses, "history": result.history},
        "quarters": result.quarters,
    }


# --- 3. one status change -----------------------------------------------------------------

STATUS_CYCLE = ("implemented", "partial", "not_implemented")


def change_plan(path: Path) -> tuple[dict[str, int], list[tuple[int, str, str]]]:
    """Tallinn's ids and 200 (measure id, code, new status) with a status that differs from the current one."""
    conn = sqlite3.connect(path)
    try:
        muni_id, edition_id = conn.execute("SELECT id, edition_id FROM municipality WHERE name = 'Tallinn'").fetchone()
        target_id = conn.execute(
            "SELECT id FROM target_object WHERE municipality_id = ? AND is_default", (muni_id,)
        ).fetchone()[0]
        edition_key = conn.execute("SELECT key FROM edition WHERE id = ?", (edition_id,)).fetchone()[0]
        current = dict(
            conn.execute(
                "SELECT measure_id, status FROM measure_status WHERE target_object_id = ?", (target_id,)
            ).fetchall()
        )
        measures = conn.execute(
            "SELECT id, code FROM measure WHERE edition_id = ? AND level != 'high' ORDER BY id LIMIT ?",
            (edition_id, STATUS_CHANGES),
        ).fetchall()
    finally:
        conn.close()
    plan = []
    for i, (mid, code) in enumerate(measures):
        status = STATUS_CYCLE[i % 3]
        if current.get(mid) == status:
            status = STATUS_CYCLE[(i + 1) % 3]
        plan.append((mid, code, status))
    ids = {"municipality": muni_id, "target": target_id, "existing": sum(1 for p in plan if p[0] in current)}
    return {**ids, "edition_key": edition_key}, plan  # type: ignore[dict-item]


def ours_status_changes(path: Path, plan: list[tuple[int, str, str]]) -> list[float]:
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.municipalities import find_municipality
    from eits_tracker.tracking.statuses import set_status

    db = open_database(load_settings(database_url=sqlite_url(path)), prepare=False)
    times = []
    try:
        with db.session() as s:
            muni = find_municipality(s, "Tallinn")
            for _mid, code, status in plan:
                t = time.perf_counter()
                change = set_status(s, municipality=muni, measure_code=code, status=status, actor="bench")
                s.commit()
                times.append(time.perf_counter() - t)
                assert change.history is not None, f"{code}: no change recorded"
    finally:
        db.engine.dispose()
    return times


def lean_status_changes(path: Path, ids: dict[str, Any], plan: list[tuple[int, str, str]]) -> list[float]:
    conn = lean_connect(path)
    times = []
    try:
        for mid, code, status in plan:
            t = time.perf_counter()
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            conn.execute("BEGIN")
            current = conn.execute(
                "SELECT id, status FROM measure_status WHERE target_object_id = ? AND measure_id = ?",
                (ids["target"], mid),
            ).fetchone()
            if current:
                sid, old = current
                conn.execute(
                    "UPDATE measure_status SET status = ?, version = version + 1, updated_by = 'bench',"
                    " updated_at = ? WHERE id = ?",
                    (status, now, sid),
                )
            else:
                old = None
                sid = conn.execute(
                    "INSERT INTO measure_status (target_object_id, measure_id, status, justification, approved_by,"
                    " decision_ref, owner, implementation, remaining, priority, note, evidence, needs_review,"
                    " review_reason, archived, version, updated_by, updated_at)"
                    " VALUES (?, ?, ?, '', '', '', '', '', '', '', '', '[]', 0, '', 0, 1, 'bench', ?)",
                    (ids["target"], mid, status, now),
                ).lastrowid
            conn.execute(
                "INSERT INTO status_history (status_id, municipality_id, target_object_id, measure_code, edition_key,"
                " changed_at, changed_by, source, old_status, new_status, note, changes)"
                " VALUES (?, ?, ?, ?, ?, ?, 'bench', 'cli', ?, ?, '', ?)",
                (sid, ids["municipality"], ids["target"], code, ids["edition_key"], now, old, status, "{}"),
            )
            conn.execute("COMMIT")
            times.append(time.perf_counter() - t)
    finally:
        conn.close()
    return times


def bench_status_change(tmp: Path, demo_template: Path, repeat: int) -> dict[str, Any]:
    ids, plan = change_plan(demo_template)
    ours, lean, ours_all, lean_all = [], [], [], []
    for i in range(repeat):
        path = copy_db(demo_template, tmp / f"status-{i}.sqlite3")
        times = ours_status_changes(path, plan)
        ours.append(statistics.median(times))
        ours_all += times
        path.unlink()
        path = copy_db(demo_template, tmp / f"status-lean-{i}.sqlite3")
        times = lean_status_changes(path, ids, plan)
        lean.append(statistics.median(times))
        lean_all += times
        path.unlink()
    ordered = sorted(ours_all)
    return {
        "ours": summary(ours),
        "lean": summary(lean),
        "changes_per_repetition": len(plan),
        "updates_of_existing_rows": ids["existing"],
        "ours_p95": ordered[int(0.95 * (len(ordered) - 1))],
        "ours_slowest": ordered[-1],
        "lean_slowest": max(lean_all),
        "note": "medians are per change over each repetition; min/max across repetitions",
        "web_tool_seconds_per_change": WEB_TOOL_SECONDS_PER_CHANGE,
    }


# --- 4. and 5. subprocesses ---------------------------------------------------------------


def bench_cold_start(tmp: Path, template: Path, repeat: int, env: dict[str, str]) -> dict[str, Any]:
    cli, python = venv_bin("eits-tracker"), venv_bin("python")
    prepared = copy_db(template, tmp / "cold.sqlite3")
    list_cmd = [cli, "--database-url", sqlite_url(prepared), "catalog", "list", "--json"]
    bare_cmd = [python, "-c", "import sqlalchemy, sqlite3"]
    run_cli(list_cmd, env)  # untimed warm-up: .pyc files and the page cache, as on any second start
    run_cli(bare_cmd, env)
    listing, bare, first = [], [], []
    for i in range(repeat):
        listing.append(run_cli(list_cmd, env))
        bare.append(run_cli(bare_cmd, env))
        new = tmp / f"first-{i}.sqlite3"
        first.append(run_cli([cli, "--database-url", sqlite_url(new), "db", "upgrade"], env))
        new.unlink()
    return {"catalog_list": summary(listing), "bare_python": summary(bare), "first_start": summary(first)}


def bench_memory(tmp: Path, template: Path, repeat: int, env: dict[str, str]) -> dict[str, Any]:
    cli, python = venv_bin("eits-tracker"), venv_bin("python")
    prepared = copy_db(template, tmp / "memory.sqlite3")
    listing, bare = [], []
    for _ in range(repeat):
        listing.append(peak_rss([cli, "--database-url", sqlite_url(prepared), "catalog", "list", "--json"], env)[0])
        bare.append(peak_rss([python, "-c", "import sqlalchemy, sqlite3"], env)[0])
    new = tmp / "memory-demo.sqlite3"
    demo_mib, demo_seconds = peak_rss(
        [cli, "--database-url", sqlite_url(new), "demo", "--seed", str(DEMO_SEED), "--end", DEMO_END.isoformat()], env
    )
    return {
        "catalog_list_mib": summary(listing),
        "bare_python_mib": summary(bare),
        "demo_new_database_mib": summary([demo_mib]),
        "demo_new_database_seconds": demo_seconds,
    }


# --- report -------------------------------------------------------------------------------


def rows_for_table(r: dict[str, Any]) -> list[dict[str, Any]]:
    s, ms, mib = "s", "ms", "MiB"
    c, d, st, cold, mem = r["catalog_import"], r["demo"], r["status_change"], r["cold_start"], r["memory"]
    return [
        {
            "scenario": "1. catalogue import E-ITS 2024 (read+load+commit)",
            "ours": c["ours"],
            "lean": c["lean"],
            "unit": s,
            "target": 1.0,
        },
        {
            "scenario": "1a. of which parse/validate (native.read)",
            "ours": c["parse_validate"],
            "lean": None,
            "unit": s,
            "target": None,
        },
        {
            "scenario": f"2. demo data, 79 municipalities ({d['rows']['statuses']} statuses, "
            f"{d['rows']['history']} history rows)",
            "ours": d["ours"],
            "lean": d["lean"],
            "unit": s,
            "target": 5.0,
        },
        {
            "scenario": f"3. one status change (set_status+commit, median of {st['changes_per_repetition']})",
            "ours": _scaled(st["ours"], 1000),
            "lean": _scaled(st["lean"], 1000),
            "unit": ms,
            "target": WEB_TOOL_SECONDS_PER_CHANGE * 1000,
            "target_label": "< 2400 ms (web tool)",
        },
        {
            "scenario": "4a. cold start: catalog list --json (prepared db)",
            "ours": cold["catalog_list"],
            "lean": cold["bare_python"],
            "unit": s,
            "target": None,
        },
        {
            "scenario": "4b. first start: db upgrade on a new file",
            "ours": cold["first_start"],
            "lean": cold["bare_python"],
            "unit": s,
            "target": None,
        },
        {
            "scenario": "5a. peak RSS: catalog list --json",
            "ours": mem["catalog_list_mib"],
            "lean": mem["bare_python_mib"],
            "unit": mib,
            "target": None,
        },
        {
            "scenario": "5b. peak RSS: demo on a new database",
            "ours": mem["demo_new_database_mib"],
            "lean": mem["bare_python_mib"],
            "unit": mib,
            "target": None,
        },
    ]


def _scaled(stats: dict[str, Any], factor: float) -> dict[str, Any]:
    return {k: (v * factor if k != "samples" else [x * factor for x in v]) for k, v in stats.items()}


def _fmt(value: float, unit: str) -> str:
    if unit == "MiB":
        return f"{value:.0f} {unit}"
    if unit == "ms":
        return f"{value:.3f} {unit}" if value < 1 else f"{value:.1f} {unit}"
    return f"{value:.3f} {unit}" if value < 1 else f"{value:.2f} {unit}"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | median | min–max | lean median | ratio | target | met? |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        o, lean, unit = row["ours"], row["lean"], row["unit"]
        lean_txt = _fmt(lean["median"], unit) if lean else "—"
        ratio = f"{o['median'] / lean['median']:.1f}×" if lean and lean["median"] else "—"
        target = row.get("target")
        target_txt = row.get("target_label") or (f"< {_fmt(target, unit)}" if target else "—")
        met = ("yes" if o["median"] < target else "**no**") if target else "—"
        lines.append(
            f"| {row['scenario']} | {_fmt(o['median'], unit)} | {_fmt(o['min'], unit)}–{_fmt(o['max'], unit)}"
            f" | {lean_txt} | {ratio} | {target_txt} | {met} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import sqlalchemy

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per scenario (default 5)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eits-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        # This process too: load_settings() reads the config dir, and nothing may reach the real one.
        os.environ.pop("EITS_DATABASE_URL", None)
        os.environ.update({k: env[k] for k in ("EITS_DATA_DIR", "EITS_CONFIG_DIR", "EITS_USER")})

        def step(name: str) -> None:
            print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)

        step("preparing template databases")
        template = tmp / "template.sqlite3"
        prepare_template(template)
        demo_template = copy_db(template, tmp / "demo-template.sqlite3")
        fill_demo(demo_template)

        results: dict[str, Any] = {}
        step("1. catalogue import")
        results["catalog_import"] = bench_catalog_import(tmp, args.repeat)
        step("2. demo data")
        results["demo"] = bench_demo(tmp, template, args.repeat)
        step("3. status changes")
        results["status_change"] = bench_status_change(tmp, demo_template, args.repeat)
        step("4. cold start")
        results["cold_start"] = bench_cold_start(tmp, template, args.repeat, env)
        step("5. peak memory")
        results["memory"] = bench_memory(tmp, template, args.repeat, env)
        step("done")

    table = markdown_table(rows_for_table(results))
    total = time.perf_counter() - started
    report = {
        "benchmark": "data-core",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *(argv if argv is not None else sys.argv[1:])]),
        "repeat": args.repeat,
        "machine": machine(),
        "units": "seconds unless the key says otherwise; status_change in seconds per change",
        "results": results,
        "table_markdown": table,
        "total_seconds": total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp_out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    print(table)
    print(f"\n{args.repeat} repetitions, {total:.0f} s in all; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
