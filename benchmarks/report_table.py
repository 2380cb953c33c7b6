"""The Markdown of a run (``results/latest.md``): scenarios, growth 79 → 1,000, scripts that did not run."""

from __future__ import annotations

from typing import Any


def fmt(value: float | None, unit: str) -> str:
    """A figure with its unit, to about three significant digits."""
    if value is None:
        return "—"
    if unit in ("MiB", "changes/s"):
        return f"{value:.0f} {unit}"
    digits = 3 if abs(value) < 1 else (2 if abs(value) < 10 else 1 if abs(value) < 100 else 0)
    return f"{value:.{digits}f} {unit}"


def _met(rec: dict[str, Any]) -> str:
    if rec.get("met") is None:
        return "—"
    return "yes" if rec["met"] else "**no**"


def _target(rec: dict[str, Any]) -> str:
    if rec.get("unit") == "changes/s":
        return "nothing lost" if rec.get("proof_ok") is not None else "—"
    parts = [f"≤ {fmt(rec['target'], rec['unit'])}"] if rec.get("target") is not None else []
    if rec.get("ratio_target") is not None:
        parts.append(f"ratio ≤ {rec['ratio_target']}×")
    return ", ".join(parts) or "—"


def markdown(report: dict[str, Any]) -> str:
    """The scenario table, the growth table and the scripts' states, with machine and load in the header."""
    mach, load = report["machine"], report["load_average"]
    la = lambda t: "/".join(f"{x:.2f}" for x in t)  # noqa: E731
    lines = [
        f"`make bench`, {report['timestamp']}, {mach['cpu_count']} CPUs, Python {mach['python']}, SQLite "
        f"{mach['sqlite']}; load average (1/5/15 min) {la(load['start'])} at the start, {la(load['end'])} at the "
        f"end; {report['repeat']} repetitions; {report['total_seconds']:.0f} s in all.",
        "",
        "| id | scenario | orgs | median | min–max | lean (same run) | ratio | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for rec in report["scenarios"]:
        unit = rec["unit"]
        cpu = f" (CPU {fmt(rec['cpu_median'], unit)})" if rec.get("cpu_median") is not None else ""
        ratio = f"{rec['ratio']:.1f}×" if rec.get("ratio") is not None else "—"
        lines.append(
            f"| {rec['id']} | {rec['name']} | {rec.get('n_orgs') or ''} | {fmt(rec['median'], unit)}{cpu} | "
            f"{fmt(rec['min'], unit).split()[0]}–{fmt(rec['max'], unit)} | {fmt(rec.get('lean_median'), unit)} | "
            f"{ratio} | {_target(rec)} | {_met(rec)} |"
        )
    if report.get("growth"):
        lines += [
            "",
            "| growth | organisations | ms per organisation | per-org ratio (1.0 = linear) | linear? |",
            "|---|---:|---:|---:|---|",
        ]
        for g in report["growth"]:
            verdict = "**worse than linear**" if g["worse_than_linear"] else "yes"
            lines.append(
                f"| {g['name']} | {g['n_small']} → {g['n_big']} | {g['per_org_small_ms']:.2f} → "
                f"{g['per_org_big_ms']:.2f} | {g['per_org_ratio']:.2f} | {verdict} |"
            )
    lines += ["", "| script | state | seconds | load average before → after |", "|---|---|---:|---|"]
    for s in report["scripts"]:
        state = s["state"] if s["state"] != "failed" else f"**failed**: {s.get('reason') or 'exit ' + str(s.get('rc'))}"
        after = la(s["load_after"]) if s.get("load_after") else "—"
        lines.append(f"| {s['script']} | {state} | {s.get('seconds', 0):.0f} | {la(s['load_before'])} → {after} |")
    return "\n".join(lines)
