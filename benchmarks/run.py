"""`make bench`: every registered benchmark script in one run, on databases generated once.

    .venv/bin/python benchmarks/run.py [--only tui,asof] [--keep DIR] [--out benchmarks/results/latest.json]

1. Makes the databases in a temporary directory: the 79 municipalities with ``eits-tracker demo``
   (8 quarters), and 79 × 12 and 1,000 × 12 organisations with ``generate.py`` (≈ 1.1 M history rows).
2. Runs each script of ``SCRIPTS`` as its own process with agreed arguments (the paths of those
   databases, a repeat count, ``--out`` into the temporary directory), one after another so they do
   not compete for the two CPUs. A missing script is recorded as "not run", a failing one as
   "failed" with the end of its stderr; the run goes on either way.
3. Normalises their JSON (``normalise.py``) into ``benchmarks/results/latest.json``: scenario
   records, growth 79 → 1,000, machine, load average before and after each script, durations; and
   the same as a Markdown table in ``benchmarks/results/latest.md``.

Adding a script is one line in ``SCRIPTS``. Nothing outside the temporary directory is read or
written except the two result files: config and data directories point into it, and every
database is named explicitly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import normalise
from bench_data_core import isolated_env, machine, sqlite_url, venv_bin
from report_table import markdown

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEMO_END = "2026-11-27"
SEED = "2026"
Adapter = Callable[[dict[str, Any]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


@dataclass(frozen=True)
class Script:
    """A benchmark script and how the runner calls it. ``args`` may name ``{demo}``, ``{scale_dir}``,
    ``{scale_1000}``, ``{repeat}`` and ``{out}`` (its JSON, read back by ``adapter``)."""

    id: str
    file: str
    args: tuple[str, ...]
    adapter: Adapter = normalise.generic
    needs: tuple[str, ...] = field(default=("demo",))


#: Repeat counts are chosen so the whole run stays under 10 minutes on a 2-core machine.
SCRIPTS: tuple[Script, ...] = (
    Script("data_core", "bench_data_core.py", ("--repeat", "{repeat}", "--out", "{out}"), normalise.data_core, ()),
    Script("tui", "bench_tui.py", ("--db", "{demo}", "--reps", "5", "--presses", "24", "--out", "{out}"),
           normalise.tui),
    Script("asof", "bench_asof.py", ("--db", "{scale_1000}", "--demo-db", "{demo}", "--scale-dir", "{scale_dir}",
           "--scale-orgs", "79,1000", "--repeat", "{repeat}", "--out", "{out}"), normalise.asof,
           ("demo", "scale")),
    Script("reports", "bench_reports.py", ("--demo-db", "{demo}", "--scale-dir", "{scale_dir}", "--repeat",
           "{repeat}", "--out", "{out}"), normalise.reports, ("demo", "scale")),
    Script("concurrency", "bench_concurrency.py", ("--backend", "both", "--changes", "300", "--out", "{out}"),
           normalise.concurrency, ()),
    Script("wiki", "bench_wiki.py", ("--pages", "500", "--repeat", "{repeat}", "--out", "{out}"), normalise.wiki, ()),
)  # fmt: skip


def _step(started: float, text: str) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr, flush=True)


def prepare(work: Path, needs: set[str], started: float) -> dict[str, Any]:
    """The databases the chosen scripts need, each made once: paths and how long each took."""
    env = isolated_env(work)
    made: dict[str, Any] = {"scale_dir": str(work), "seconds": {}}
    if "demo" in needs:
        _step(started, "demo database, 79 municipalities × 8 quarters (eits-tracker demo)")
        t = time.perf_counter()
        demo = work / "demo.sqlite3"
        cmd = [venv_bin("eits-tracker"), "--database-url", sqlite_url(demo), "demo", "--seed", SEED, "--end", DEMO_END]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        made["demo"], made["seconds"]["demo"] = str(demo), time.perf_counter() - t
    if "scale" in needs:
        for orgs in (79, 1000):
            _step(started, f"generating {orgs} organisations × 12 quarters (generate.py)")
            t = time.perf_counter()
            path = work / f"scale-{orgs}.sqlite3"
            cmd = [sys.executable, str(HERE / "generate.py"), "--orgs", str(orgs), "--quarters", "12"]
            cmd += ["--out", str(path)]
            done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
            made[f"scale_{orgs}"], made["seconds"][f"scale_{orgs}"] = str(path), time.perf_counter() - t
            made.setdefault("rows", {})[str(orgs)] = json.loads(done.stdout).get("rows")
    return made


def run_script(script: Script, work: Path, dbs: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Run one script; its records, growth rows and what happened (ok / not run / failed)."""
    path = HERE / script.file
    info: dict[str, Any] = {"id": script.id, "script": script.file, "load_before": os.getloadavg()}
    if not path.exists():
        return {**info, "state": "not run", "reason": f"{script.file} is not there", "records": [], "growth": []}
    out = work / f"{script.id}.json"
    values = {**{k: v for k, v in dbs.items() if isinstance(v, str)}, "repeat": str(repeat), "out": str(out)}
    cmd = [sys.executable, str(path), *(a.format(**values) for a in script.args)]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=isolated_env(work), capture_output=True, text=True, cwd=HERE.parent)
    info.update(command=" ".join(cmd[1:]), seconds=time.perf_counter() - t, load_after=os.getloadavg())
    if not out.exists():
        return {**info, "state": "failed", "rc": done.returncode, "stderr": done.stderr[-3000:], "records": [],
                "growth": []}  # fmt: skip
    raw = json.loads(out.read_text(encoding="utf-8"))
    try:
        records, grown = script.adapter(raw)
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # a script changed its shape
        return {**info, "state": "failed", "reason": f"cannot read its JSON: {exc!r}", "records": [], "growth": []}
    state = "ok" if done.returncode == 0 else f"ok, exit code {done.returncode}"
    return {**info, "state": state, "records": records, "growth": grown, "raw": raw}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated script ids: " + ", ".join(s.id for s in SCRIPTS))
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per scenario (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="the JSON (Markdown beside it)")
    parser.add_argument("--keep", type=Path, help="keep databases and each script's JSON here")
    parser.add_argument("--render", type=Path, help="only write the Markdown of an existing run's JSON")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        args.render.with_suffix(".md").write_text(markdown(report) + "\n", encoding="utf-8")
        print(markdown(report))
        return 0
    chosen = [s for s in SCRIPTS if not args.only or s.id in args.only.split(",")]
    started = time.perf_counter()
    load_start = os.getloadavg()
    work = args.keep or Path(tempfile.mkdtemp(prefix="eits-bench-run-"))
    work.mkdir(parents=True, exist_ok=True)
    # load_settings here and in every child reads the config dir: none may reach the user's own.
    env = isolated_env(work)
    os.environ.pop("EITS_DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("EITS_DATA_DIR", "EITS_CONFIG_DIR", "EITS_USER")})
    runs = []
    try:
        present = [s for s in chosen if (HERE / s.file).exists()]
        dbs = prepare(work, {n for s in present for n in s.needs}, started)
        for script in chosen:
            _step(started, f"{script.id}: {script.file}")
            runs.append(run_script(script, work, dbs, args.repeat))
            _step(started, f"{script.id}: {runs[-1]['state']}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    report = {
        "benchmark": "all",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *(argv if argv is not None else sys.argv[1:])]),
        "repeat": args.repeat,
        "machine": machine(),
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "databases": {k: v for k, v in dbs.items() if k in ("seconds", "rows")},
        "scripts": [{k: v for k, v in r.items() if k not in ("records", "growth", "raw")} for r in runs],
        "scenarios": [rec for r in runs for rec in r["records"]],
        "growth": [g for r in runs for g in r["growth"]],
        "total_seconds": total,
    }
    report["table_markdown"] = markdown(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(report["table_markdown"] + "\n", encoding="utf-8")
    print(report["table_markdown"])
    print(f"\n{total:.0f} s in all; {args.out} and {args.out.with_suffix('.md')}")
    return 0 if all(r["state"] in ("ok", "not run") for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
