"""Search benchmark: median and p95 of ``tracking.search.search`` on the demo database.

Builds a database with ``eits-tracker demo`` (79 municipalities, ~54 000 statuses, both
editions), gives every twentieth status a note (through plain UPDATEs, so the triggers or
generated columns do the indexing), then times typical queries, each call in a new session as
a worker would open one. Run by hand; not part of the test run.

    python benchmarks/bench_search.py [--repeat 50] [--database-url postgresql://…/scratch_db]

Without ``--database-url`` a SQLite file in a temporary directory is used. A given URL must name
an empty scratch database: the demo fills it. Config and data directories point into the
temporary directory, so your real database and settings are never touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_data_core import DEMO_END, DEMO_SEED, isolated_env, sqlite_url, venv_bin

QUERIES = ["ORP", "paro", "varu", "tööjaam", "SYS.2.1.M", "ORP.4.M1", "õigus", "parool kvaliteedi", "taastetest"]
NOTES = [
    "Varukoopiad kontrollitud, taastetest tehtud kvartali lõpus.",
    "Tööjaamade paroolipoliitika uuendatud, vt korraldus nr 12.",
    "Ootab eelarvet; IT-juht koostab hinnapakkumise.",
    "Õigused üle vaadatud koos personaliosakonnaga.",
    "Teenusepakkuja kinnitas lepingu lisas, et nõue on täidetud.",
]


def prepare(url: str, env: dict[str, str]) -> int:
    """Demo data plus notes; returns the number of notes written."""
    cmd = [venv_bin("eits-tracker"), "--database-url", url, "demo", "--seed", str(DEMO_SEED), "--end", str(DEMO_END)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"eits-tracker demo failed: {done.stderr.strip()[-2000:]}")
    from sqlalchemy import text

    from eits_tracker.db.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM measure_status WHERE id % 20 = 0 ORDER BY id")).scalars().all()
        conn.execute(
            text("UPDATE measure_status SET note = :note WHERE id = :id"),
            [{"id": i, "note": NOTES[n % len(NOTES)]} for n, i in enumerate(ids)],
        )
    engine.dispose()
    return len(ids)


def measure(url: str, repeat: int) -> list[tuple[str, float, float, int]]:
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.search import search

    db = open_database(load_settings(database_url=url), prepare=False)
    rows = []
    try:
        for query in QUERIES:
            samples = []
            hits = 0
            for i in range(repeat + 1):
                t = time.perf_counter()
                with db.session() as s:
                    hits = len(search(s, query))
                if i:  # the first call warms caches and is not counted
                    samples.append(time.perf_counter() - t)
            samples.sort()
            p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
            rows.append((query, statistics.median(samples), p95, hits))
    finally:
        db.engine.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per query (default 50)")
    parser.add_argument("--database-url", default="", help="an empty scratch database (default: SQLite in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eits-bench-search-") as tmp:
        env = isolated_env(Path(tmp))
        os.environ.update({k: env[k] for k in ("EITS_DATA_DIR", "EITS_CONFIG_DIR", "EITS_USER")})
        os.environ.pop("EITS_DATABASE_URL", None)
        url = args.database_url or sqlite_url(Path(tmp) / "demo.sqlite3")
        t = time.perf_counter()
        notes = prepare(url, env)
        print(f"prepared demo database with {notes} notes in {time.perf_counter() - t:.1f} s")
        report("as loaded", measure(url, args.repeat))
        if not url.startswith("sqlite"):
            # Right after a bulk load the GIN entries sit in the pending list and there are no
            # statistics; autovacuum fixes both in time. This is the steady state.
            vacuum_analyze(url)
            report("after VACUUM ANALYZE", measure(url, args.repeat))
    return 0


def vacuum_analyze(url: str) -> None:
    from eits_tracker.db.engine import make_engine

    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def report(title: str, rows: list[tuple[str, float, float, int]]) -> None:
    print(f"\n{title}\n\n| query | median | p95 | hits |\n|---|---:|---:|---:|")
    for query, median, p95, hits in rows:
        print(f"| {query} | {median * 1000:.1f} ms | {p95 * 1000:.1f} ms | {hits} |")


if __name__ == "__main__":
    raise SystemExit(main())
