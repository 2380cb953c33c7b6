"""Quarterly report timings: the demo's 79 municipalities, and how the time grows to 1,000 organisations.

    .venv/bin/python benchmarks/bench_reports.py [--repeat 5] [--orgs 1000] [--keep DIR]

Scenarios, each run ``--repeat`` times on a fresh session (median, min–max):

- **md, demo 79**: ``write_quarterly(formats=md)`` for 2026Q3 on the ``demo`` database (status history,
  mentor network): collect from the history + render + write. Target < 1 s.
- **all formats, demo 79**: md, html, xlsx, oscal. Target < 10 s.
- **lean**: a bare Jinja2 render of the same rows (each municipality's gap, module and layer rows,
  already in memory) into the same number of Markdown files — what the template engine and the disk
  cost at best, without reading the history or computing anything.
- **growth**: md and all formats for 2026Q3 on databases made by ``benchmarks/generate.py`` with 79
  and with ``--orgs`` organisations (12 quarters), ``--repeat`` // 2 runs each without a warm-up;
  ``per-org ratio`` = (time per organisation at N) /
  (time per organisation at 79): 1.0 is linear growth, above it worse than linear. Each starts with
  no quarter end kept (``status_snapshot`` emptied): the first report of a quarter replays the history
  and keeps its quarter ends; **md again** is one more Markdown run that reads them back.

Databases are made in a temporary directory (removed unless ``--keep``); nothing else is touched.
Figures go to ``benchmarks/results/latest-reports.json`` and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from bench_asof import forget

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUARTER = "2026Q3"
ALL = ("md", "html", "xlsx", "oscal")
GENERATED_AT = datetime(2026, 11, 27, 12, tzinfo=UTC)
LEAN = jinja2.Template(
    "# {{ m.name }}\n\n| layer | fulfilment |\n|--|--|\n{% for f in m.layers %}| {{ f.code }} | {{ f.fulfilment }} |\n"
    "{% endfor %}\n| module | in scope | fulfilment |\n|--|--|--|\n"
    "{% for f in m.modules %}| {{ f.code }} | {{ f.in_scope }} | {{ f.fulfilment }} |\n{% endfor %}\n"
    "| measure | target | status | owner | due |\n|--|--|--|--|--|\n"
    "{% for g in m.gaps %}| {{ g.code }} | {{ g.target }} | {{ g.status }} | {{ g.owner }} | {{ g.due_date }} |\n"
    "{% endfor %}"
)


def _median(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": samples}


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ, EITS_DATA_DIR=str(work / "data"), EITS_CONFIG_DIR=str(work / "config"))
    env.pop("EITS_DATABASE_URL", None)
    return env


def _demo(work: Path) -> Path:
    path = work / "demo.sqlite3"
    subprocess.run(
        [str(BIN / "eits-tracker"), "--database-url", f"sqlite:///{path}", "demo", "--seed", "2026",
         "--end", "2026-11-27"],
        check=True, env=_env(work), capture_output=True,
    )  # fmt: skip
    return path


def _generated(work: Path, orgs: int) -> Path:
    path = work / f"scale-{orgs}.sqlite3"
    if path.exists():  # made earlier in the same run (benchmarks/run.py's --scale-dir)
        return path
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--orgs", str(orgs), "--quarters", "12",
         "--out", str(path)],
        check=True, env=_env(work), capture_output=True,
    )  # fmt: skip
    return path


def _scenario(
    path: Path, out: Path, formats: tuple[str, ...], repeat: int, *, warm: bool = True
) -> tuple[list[float], Any]:
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.reporting.quarterly import write_quarterly

    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    written: list[Any] = []

    def run() -> None:
        with db.session() as s:
            written.append(write_quarterly(s, QUARTER, out, formats=formats, lang="et", generated_at=GENERATED_AT))

    if warm:
        run()  # warm-up: imports, statement cache, page cache
    samples = _timed(run, repeat)
    db.engine.dispose()
    return samples, written[-1]


def _lean(report: Any, out: Path, repeat: int) -> list[float]:
    def run() -> None:
        out.mkdir(parents=True, exist_ok=True)
        for m in report.municipalities:
            (out / f"{m.slug}.md").write_text(LEAN.render(m=m), encoding="utf-8")

    return _timed(run, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the databases and reports here")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest-reports.json")
    parser.add_argument("--demo-db", type=Path, help="a demo database to read (default: made with `eits-tracker demo`)")
    parser.add_argument("--scale-dir", type=Path, help="where scale-N.sqlite3 files are kept (generated when missing)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="eits-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {}
    try:
        demo = args.demo_db or _demo(work)
        md, written = _scenario(demo, work / "out-md", ("md",), args.repeat)
        results["md, demo 79"] = _median(md)
        results["all formats, demo 79"] = _median(_scenario(demo, work / "out-all", ALL, args.repeat)[0])
        results["lean: bare Jinja2 render, demo 79"] = _median(_lean(written.report, work / "out-lean", args.repeat))
        growth: dict[str, Any] = {}
        for n in (79, args.orgs):
            path = _generated(args.scale_dir or work, n)
            for name, formats in (("md", ("md",)), ("all", ALL)):
                # No warm-up: the imports are warm from the demo rows above, and at 1,000 organisations
                # one call of all formats takes minutes; 79 and 1,000 are treated alike. Each starts
                # with no quarter end kept (the first report of the quarter replays the history and
                # keeps them); Markdown is then made once more, reading what the first run kept.
                forget(path)
                samples, w = _scenario(path, work / f"out-{n}-{name}", formats, max(1, args.repeat // 2), warm=False)
                growth[f"{name}, {n} orgs"] = {**_median(samples), "municipalities": len(w.report.municipalities)}
                if name == "md":
                    again, w = _scenario(path, work / f"out-{n}-{name}-again", formats, 1, warm=False)
                    growth[f"md again, {n} orgs"] = {**_median(again), "municipalities": len(w.report.municipalities)}
        for name in ("md", "all"):
            small, big = growth[f"{name}, 79 orgs"], growth[f"{name}, {args.orgs} orgs"]  # first reports
            per_small = small["median"] / small["municipalities"]
            per_big = big["median"] / big["municipalities"]
            growth[f"{name}: per-org ratio {args.orgs}/79"] = per_big / per_small
        results["growth"] = growth
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    lean = results["lean: bare Jinja2 render, demo 79"]["median"]
    rows = [
        ("md, demo 79", results["md, demo 79"], "< 1 s"),
        ("all formats, demo 79", results["all formats, demo 79"], "< 10 s"),
    ]
    print(f"| scenario | median s | min–max s | ratio to lean ({lean:.3f} s) | target |")
    print("|---|---:|---:|---:|---|")
    for name, r, target in rows:
        print(f"| {name} | {r['median']:.2f} | {r['min']:.2f}–{r['max']:.2f} | {r['median'] / lean:.1f}× | {target} |")
    print()
    print("| growth | median s | per organisation ms |")
    print("|---|---:|---:|")
    for name, r in results["growth"].items():
        if isinstance(r, dict):
            print(f"| {name} | {r['median']:.2f} | {r['median'] / r['municipalities'] * 1000:.1f} |")
        else:
            print(f"| {name} | {r:.2f} (1.0 = linear) | |")
    payload = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "repeat": args.repeat,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
