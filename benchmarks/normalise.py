"""Turn each benchmark script's own JSON into the runner's scenario records (one shape for all).

A record: ``{id, name, unit, median, min, max, lean_median, lean, ratio, target, met, samples,
n_orgs}`` (plus ``cpu_median`` where the script measured CPU time). ``ratio`` = median / lean_median,
ours against the leanest way of doing the same work in the same run; it is what ``bench_check.py``
guards. ``target`` is the absolute target in ``unit`` (None: none set), ``met`` compares the median
with it. Growth records say how the time per organisation moves from 79 to 1,000 organisations.

Each script keeps its own shape (the adapters below read it); a new script can skip the adapter
by writing ``{"records": [...]}`` in this shape, or any ``{"ours": {"median": …}, "lean": {…}}``
pairs, which :func:`generic` picks up.
"""

from __future__ import annotations

from typing import Any

#: Per-organisation time at 1,000 over that at 79 above this: worse than linear.
WORSE_THAN_LINEAR = 1.2


def record(
    id: str,
    name: str,
    unit: str,
    ours: dict[str, Any],
    lean: dict[str, Any] | None = None,
    *,
    target: float | None = None,
    n_orgs: int | None = None,
    lean_name: str | None = None,
    scale: float = 1.0,
    higher_is_better: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """One scenario record from summary dicts ({median, min, max, samples}); ``scale`` converts units."""
    median = ours["median"] * scale
    lean_median = lean["median"] * scale if lean else None
    met = None
    if target is not None:
        met = median >= target if higher_is_better else median <= target
    if extra.get("ratio_target") is not None and lean_median:  # a target on the ratio as well (start-up)
        met = (met is not False) and median / lean_median <= extra["ratio_target"]
    return {
        "id": id,
        "name": name,
        "unit": unit,
        "median": median,
        "min": ours["min"] * scale,
        "max": ours["max"] * scale,
        "lean_median": lean_median,
        "lean": lean_name,
        "ratio": median / lean_median if lean_median else None,
        "target": target,
        "met": met,
        "samples": [x * scale for x in ours.get("samples", [])],
        "n_orgs": n_orgs,
        **extra,
    }


def growth(id: str, name: str, small: tuple[int, float], big: tuple[int, float]) -> dict[str, Any]:
    """Time per organisation at ``big`` over that at ``small`` ((organisations, seconds) each)."""
    per_small, per_big = small[1] / small[0], big[1] / big[0]
    ratio = per_big / per_small
    return {
        "id": id,
        "name": name,
        "n_small": small[0],
        "n_big": big[0],
        "per_org_small_ms": per_small * 1000,
        "per_org_big_ms": per_big * 1000,
        "per_org_ratio": ratio,
        "worse_than_linear": ratio > WORSE_THAN_LINEAR,
    }


def data_core(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r = raw["results"]
    cat, demo, st, cold, mem = r["catalog_import"], r["demo"], r["status_change"], r["cold_start"], r["memory"]
    return [
        record("catalog_import", "catalogue import, E-ITS 2024 (read + validate + load + commit)", "s",
               cat["ours"], cat["lean"], target=1.0, lean_name="json.load + executemany"),
        record("demo_seed", "demo seeding, 79 municipalities", "s", demo["ours"], demo["lean"], target=5.0,
               n_orgs=79, lean_name="executemany of the same rows"),
        record("status_change", "one status change (set_status + history + commit)", "ms", st["ours"], st["lean"],
               scale=1000, target=2400.0, lean_name="raw sqlite3 select/update/insert"),
        record("cli_cold_start", "cold start, `catalog list --json`", "s", cold["catalog_list"], cold["bare_python"],
               lean_name="python -c 'import sqlalchemy, sqlite3'"),
        record("first_start", "first start, `db upgrade` on a new file", "s", cold["first_start"],
               cold["bare_python"], lean_name="python -c 'import sqlalchemy, sqlite3'"),
        record("rss_demo", "peak memory, `demo` on a new database", "MiB", mem["demo_new_database_mib"],
               mem["bare_python_mib"], target=250.0, lean_name="bare python"),
    ], []  # fmt: skip


def tui(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r, t = raw["results"], raw["targets"]
    start = r["start"]
    rss = {"median": r["peak_rss_end_mib"], "min": r["peak_rss_end_mib"], "max": r["peak_rss_end_mib"]}
    return [
        record("tui_start", "cold start → dashboard rows visible (tmux)", "s", start["app"], start["bare"],
               target=t["start"], n_orgs=79, lean_name="bare Textual app, same imports", ratio_target=t["start_ratio"]),
        record("tui_status_key", "status key → saved and visible in the row", "ms", r["status_key"], scale=1000,
               target=t["status_key"] * 1000),
        record("tui_open", f"open a municipality ({r['municipality']['name']}) → rows visible", "ms", r["open"],
               scale=1000, target=t["open"] * 1000),
        record("tui_search_key", "search, keystroke → results", "ms", r["search"]["all"], scale=1000,
               target=t["search_key"] * 1000),
        record("tui_rss", "peak memory of the app after a session, 79-municipality database", "MiB", rss,
               target=250.0, n_orgs=79),
    ], []  # fmt: skip


def asof(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r = raw["results"]
    out, seen = [], set()
    big_runs = [e for e in r["asof"] if e["ours"]["orgs"] >= 1000]
    quarters = [e["quarter"] for e in big_runs]
    # The early, middle and last completed quarter, under the ids the baseline has always had.
    shown = set(quarters[:1] + quarters[len(quarters) // 2 : len(quarters) // 2 + 1] + quarters[-1:])
    for entry in r["asof"]:
        o, lean = entry["ours"], entry["lean"]
        big = o["orgs"] >= 1000
        kind = "1000" if big else "79"
        rid = f"asof_{kind}_{entry['quarter']}"
        if rid in seen or (big and len(quarters) > 3 and entry["quarter"] not in shown):
            continue
        seen.add(rid)
        first = o.get("first")
        out.append(
            record(rid, f"status as of {entry['quarter']}, {entry['name']} (snapshots kept)", "s", o["wall"],
                   lean["wall"], target=2.0 if big else None, n_orgs=o["orgs"],
                   lean_name="raw sqlite3 GROUP BY max(id)", cpu_median=o["cpu"]["median"], first_s=first)
        )  # fmt: skip
    if len(big_runs) > 1 and all("first" in e["ours"] for e in big_runs):
        worst = max(big_runs, key=lambda e: e["ours"]["wall"]["median"])
        out.append(
            record("asof_1000_worst", f"status as of any of {len(big_runs)} completed quarters, 1000 (worst: "
                   f"{worst['quarter']})", "s", worst["ours"]["wall"], worst["lean"]["wall"], target=2.0,
                   n_orgs=1000, lean_name="raw sqlite3 GROUP BY max(id)")
        )  # fmt: skip
        firsts = [e["ours"]["first"] for e in big_runs]
        slow = max(big_runs, key=lambda e: e["ours"]["first"])
        out.append(
            record("asof_1000_first_worst", f"first reading of a completed quarter, 1000: history replayed, "
                   f"snapshots kept (worst of {len(big_runs)}: {slow['quarter']}; min–max over quarters)", "s",
                   {"median": max(firsts), "min": min(firsts), "max": max(firsts), "samples": firsts},
                   slow["lean"]["wall"], target=2.0, n_orgs=1000, lean_name="raw sqlite3 GROUP BY max(id)")
        )  # fmt: skip
    turn = r.get("in_turn") or []
    if turn:
        firsts = [e["first"] for e in turn]
        slow = max(turn, key=lambda e: e["first"])
        out.append(
            record("asof_1000_first_in_turn", f"first reading of each completed quarter in turn, the one before "
                   f"kept, 1000 (worst of {len(turn)}: {slow['quarter']}; min–max over quarters)", "s",
                   {"median": max(firsts), "min": min(firsts), "max": max(firsts), "samples": firsts},
                   target=2.0, n_orgs=1000)
        )  # fmt: skip
    grown = []
    scaling = r.get("scaling") or []
    if len(scaling) >= 2:
        small, big = scaling[0], scaling[-1]
        grown.append(
            growth("asof", f"status as of {small['quarter']}", (small["ours"]["orgs"], small["ours"]["wall"]["median"]),
                   (big["ours"]["orgs"], big["ours"]["wall"]["median"]))
        )  # fmt: skip
    return out, grown


def reports(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r = raw["results"]
    lean = r["lean: bare Jinja2 render, demo 79"]
    out = [
        record("report_md_79", "quarterly report, Markdown, 79 (demo)", "s", r["md, demo 79"], lean, target=1.0,
               n_orgs=79, lean_name="bare Jinja2 render of the same rows"),
        record("report_all_79", "quarterly report, all formats, 79 (demo)", "s", r["all formats, demo 79"], lean,
               target=10.0, n_orgs=79, lean_name="bare Jinja2 render (Markdown only)"),
    ]  # fmt: skip
    grown = []
    g = r["growth"]
    sizes = sorted({int(k.split(", ")[1].split()[0]) for k in g if ", " in k and "orgs" in k})
    for name, label in (("md", "Markdown"), ("all", "all formats")):
        for n in sizes:
            if n != 79:
                e = g[f"{name}, {n} orgs"]
                out.append(record(f"report_{name}_{n}", f"quarterly report, {label}, {n} generated (first of the "
                                  "quarter: replays, keeps)", "s", e, n_orgs=e["municipalities"]))  # fmt: skip
                again = g.get(f"md again, {n} orgs")
                if name == "md" and again:
                    label_again = f"quarterly report, Markdown, {n} generated, again (quarter ends read back)"
                    out.append(record(f"report_md_again_{n}", label_again, "s", again,
                                      n_orgs=again["municipalities"]))  # fmt: skip
        if len(sizes) >= 2:
            small, big = g[f"{name}, {sizes[0]} orgs"], g[f"{name}, {sizes[-1]} orgs"]
            grown.append(
                growth(f"report_{name}", f"quarterly report, {label} (first of the quarter)",
                       (small["municipalities"], small["median"]), (big["municipalities"], big["median"]))
            )  # fmt: skip
            small, big = g.get(f"{name} again, {sizes[0]} orgs"), g.get(f"{name} again, {sizes[-1]} orgs")
            if small and big:
                grown.append(
                    growth(f"report_{name}_again", f"quarterly report, {label}, again (quarter ends read back)",
                           (small["municipalities"], small["median"]), (big["municipalities"], big["median"]))
                )  # fmt: skip
    return out, grown


def concurrency(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = []
    writers, changes = raw["config"]["writers"], raw["config"]["changes"]
    for r in raw["results"]:
        rate = r["throughput_changes_per_s"]
        lat = r["latency_action_s"]
        out.append(
            record(f"concurrency_{r['backend']}", f"{writers} concurrent writers × {changes} changes, {r['backend']}",
                   "changes/s", {"median": rate, "min": rate, "max": rate, "samples": [rate]},
                   higher_is_better=True, proof_ok=r["proof_ok"], lost_updates=r["lost_updates"],
                   p50_ms=lat["p50"] * 1000, p99_ms=lat["p99"] * 1000, conflicts=r["conflicts"])
        )  # fmt: skip
        out[-1]["met"] = r["proof_ok"]  # the requirement: nothing lost or duplicated
    return out, []


def wiki(raw: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """bench_wiki.py: export of N pages in process and as the command, against writing the same files plainly."""
    r, pages = raw["results"], raw["pages"]
    lean = r["lean"]
    name = "plain Python writing the same files"
    return [
        record("wiki_export_md", f"wiki export, {pages} pages, Markdown (in process)", "s", r["export_md"], lean,
               target=2.0, lean_name=name),
        record("wiki_export_html", f"wiki export, {pages} pages, Markdown + HTML (in process)", "s",
               r["export_html"], lean, target=2.0, lean_name=name),
        record("wiki_cli_md", f"`wiki export`, {pages} pages (command, with start-up)", "s", r["cli_md"], None,
               target=2.0),
        record("wiki_cli_html", f"`wiki export --html`, {pages} pages (command, with start-up)", "s", r["cli_html"],
               None, target=2.0),
    ], []  # fmt: skip


def generic(raw: dict[str, Any], prefix: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records the script wrote itself, else every ``{ours, lean}`` pair found in its JSON."""
    if isinstance(raw.get("records"), list):
        return list(raw["records"]), list(raw.get("growth", []))
    out: list[dict[str, Any]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            ours, lean = node.get("ours"), node.get("lean")
            if isinstance(ours, dict) and "median" in ours:
                name = " / ".join(path) or prefix
                rid = "_".join([prefix, *path]).lower().replace(" ", "_")
                out.append(record(rid, name, node.get("unit", "s"), ours, lean if isinstance(lean, dict) else None,
                                  target=node.get("target")))  # fmt: skip
                return
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                label = value.get("name", str(i)) if isinstance(value, dict) else str(i)
                walk(value, [*path, str(label)])

    walk(raw.get("results", raw), [])
    return out, []
