"""Maturity-model timings on a demo database (run by hand; not part of the test run).

    .venv/bin/eits-tracker --database-url sqlite:////tmp/matdemo.sqlite3 demo --seed 2026 --end 2026-11-27
    .venv/bin/python benchmarks/bench_maturity.py sqlite:////tmp/matdemo.sqlite3 [--repeat 15]

Targets: maturity_all current ≤ 150 ms, as of the end of the last completed quarter for all 79
≤ 300 ms, dashboard_rows ≤ 400 ms, module_progress of one municipality ≤ 30 ms. Each run opens a
fresh session (empty identity map, warm connection pool), as the app does at start-up. Wall time
is the figure to quote; this process's CPU time is shown beside it because on a shared machine
it is the part other processes cannot inflate (on SQLite it includes the database's own work).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlmodel import Session

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis

TARGETS_MS = {"maturity_all current": 150, "maturity_all as of": 300, "dashboard_rows": 400, "module_progress": 30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL of a demo database")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--now", default="2026-11-27T12:00:00+00:00", help="the dashboard's 'now'")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now).astimezone(UTC)
    at = mat.quarter_end(mat.last_completed_quarter(now))
    db = open_database(load_settings(database_url=args.url), prepare=False)
    with db.session() as s:
        muni_id = munis.find_municipality(s, "Tallinn").id

    scenarios: dict[str, Callable[[Session], object]] = {
        "maturity_all current": lambda s: mat.maturity_all(s),
        "maturity_all as of": lambda s: mat.maturity_all(s, at=at),
        "dashboard_rows": lambda s: mat.dashboard_rows(s, now=now),
        "module_progress": lambda s: mat.module_progress(s, s.get(m.Municipality, muni_id)),  # type: ignore[arg-type]
    }
    print(f"{args.url}, as of {at.isoformat()}, {args.repeat} runs each")
    print("| scenario | wall median ms | wall min–max ms | CPU median ms | target ms |")
    print("|---|---|---|---|---|")
    for name, fn in scenarios.items():
        with db.session() as s:
            fn(s)  # warm-up: statement cache, pool
        wall, cpu = [], []
        for _ in range(args.repeat):
            with db.session() as s:
                if name == "module_progress":
                    s.get(m.Municipality, muni_id)  # the app holds the municipality already: not timed
                t, c = time.perf_counter(), time.process_time()
                fn(s)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
        print(
            f"| {name} | {statistics.median(wall):.0f} | {min(wall):.0f}–{max(wall):.0f} "
            f"| {statistics.median(cpu):.0f} | {TARGETS_MS[name]} |"
        )
    db.engine.dispose()


if __name__ == "__main__":
    main()
