"""`make bench-check`: has any scenario's ratio (ours / lean, same run) worsened against the baseline?

    .venv/bin/python benchmarks/bench_check.py                    # run `make bench` (run.py), then compare
    .venv/bin/python benchmarks/bench_check.py --from FILE        # compare an existing latest.json
    .venv/bin/python benchmarks/bench_check.py --from FILE --update-baseline   # make FILE the baseline

Ratios, not times, are compared: both sides of a ratio ran on the same machine in the same minute,
so a slower or busier machine moves them far less than it moves absolute times. A scenario fails
when its ratio grew by more than ``--tolerance`` (default 25 %) over the committed baseline
(``benchmarks/results/baseline.json``). Scenarios without a lean baseline have no ratio and are
listed as not guarded; scenarios of the baseline missing from the run (a script not run, or
failed) are listed, and fail the check only with ``--strict``. Exit code 1 when the check fails.
Not part of ``make test``: it takes the ten minutes of a full run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "results" / "baseline.json"
LATEST = HERE / "results" / "latest.json"
TOLERANCE = 0.25


@dataclass
class Comparison:
    """The outcome, scenario by scenario: (id, baseline ratio, ratio now, change as a fraction)."""

    worse: list[tuple[str, float, float, float]] = field(default_factory=list)
    within: list[tuple[str, float, float, float]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the baseline, no ratio in this run
    new: list[str] = field(default_factory=list)  # a ratio now, none in the baseline
    unguarded: list[str] = field(default_factory=list)  # no lean baseline, so no ratio

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.worse or (strict and self.missing))


def ratios(report: dict[str, Any]) -> dict[str, float]:
    """Scenario id -> ratio, for the scenarios of a run (or baseline) that have one."""
    return {r["id"]: float(r["ratio"]) for r in report.get("scenarios", []) if r.get("ratio")}


def compare(latest: dict[str, Any], baseline: dict[str, Any], tolerance: float = TOLERANCE) -> Comparison:
    """Each scenario's ratio now against the baseline's; worse = grew by more than ``tolerance``."""
    now, base = ratios(latest), ratios(baseline)
    out = Comparison()
    for sid, before in base.items():
        if sid not in now:
            out.missing.append(sid)
            continue
        change = now[sid] / before - 1
        (out.worse if change > tolerance else out.within).append((sid, before, now[sid], change))
    out.new = [sid for sid in now if sid not in base]
    out.unguarded = [r["id"] for r in latest.get("scenarios", []) if not r.get("ratio")]
    return out


def describe(result: Comparison, tolerance: float = TOLERANCE) -> str:
    """What a person reads: failures first, naming each scenario, then the rest."""
    lines = []
    for sid, before, now, change in result.worse:
        lines.append(f"WORSE  {sid}: ratio {before:.2f}× → {now:.2f}× ({change:+.0%}, limit +{tolerance:.0%})")
    for sid, before, now, change in result.within:
        lines.append(f"ok     {sid}: ratio {before:.2f}× → {now:.2f}× ({change:+.0%})")
    lines += [f"MISSING {sid}: in the baseline, not measured in this run" for sid in result.missing]
    lines += [f"new    {sid}: not in the baseline yet (--update-baseline adds it)" for sid in result.new]
    if result.unguarded:
        lines.append(f"not guarded (no lean baseline, no ratio): {', '.join(result.unguarded)}")
    if result.worse:
        lines.append(f"FAILED: {len(result.worse)} ratio(s) worse by more than {tolerance:.0%}: "
                     + ", ".join(sid for sid, *_ in result.worse))  # fmt: skip
    return "\n".join(lines)


def baseline_of(report: dict[str, Any]) -> dict[str, Any]:
    """What the baseline keeps of a run: the ratios and enough context to know where they came from."""
    keep = ("id", "name", "unit", "median", "lean_median", "ratio", "n_orgs")
    return {
        "from": report.get("timestamp"),
        "machine": report.get("machine"),
        "load_average": report.get("load_average"),
        "repeat": report.get("repeat"),
        "scenarios": [{k: r.get(k) for k in keep} for r in report.get("scenarios", []) if r.get("ratio")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from", dest="source", type=Path, help="an existing latest.json (default: run the benchmarks)"
    )
    parser.add_argument("--baseline", type=Path, default=BASELINE, help=f"default {BASELINE}")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="allowed growth of a ratio (default 0.25)")
    parser.add_argument("--update-baseline", action="store_true", help="write the run's ratios as the new baseline")
    parser.add_argument("--strict", action="store_true", help="also fail when a baseline scenario was not measured")
    args = parser.parse_args(argv)
    source = args.source
    if source is None:
        source = LATEST
        if subprocess.run([sys.executable, str(HERE / "run.py"), "--out", str(source)]).returncode not in (0, 1):
            return 2
    latest = json.loads(source.read_text(encoding="utf-8"))
    if args.update_baseline:
        args.baseline.write_text(json.dumps(baseline_of(latest), indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"baseline written: {args.baseline} ({len(ratios(latest))} ratios from {source})")
        return 0
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}: run with --update-baseline first", file=sys.stderr)
        return 2
    result = compare(latest, json.loads(args.baseline.read_text(encoding="utf-8")), args.tolerance)
    print(describe(result, args.tolerance))
    return 1 if result.failed(strict=args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
