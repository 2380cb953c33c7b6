"""``eits-tracker demo``: fill a new database with realistic synthetic progress."""

from __future__ import annotations

import time
from datetime import date

import typer

from eits_tracker.cli.common import print_json, state
from eits_tracker.timeutil import parse_date


def demo(
    ctx: typer.Context,
    seed: int = typer.Option(2026, "--seed", help="Same seed and end date, same data"),
    end: str | None = typer.Option(None, "--end", help="Last day of the eight quarters (YYYY-MM-DD; default today)"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON for scripts"),
) -> None:
    """Synthetic progress of the 79 municipalities over eight quarters, and a mentor network (deterministic)."""
    from eits_tracker.tracking.demo import generate

    end_date = parse_date(end, field="end") if end else date.today()
    db = state(ctx).db()
    started = time.perf_counter()
    with db.session() as s:
        result = generate(s, seed=seed, end=end_date, actor="demo")
        s.commit()
    elapsed = time.perf_counter() - started
    if json_out:
        print_json({**result.__dict__, "seconds": round(elapsed, 2)})
    else:
        print(
            f"demo data: {result.municipalities} municipalities, {result.statuses} statuses, "
            f"{result.history} history rows over {result.quarters[0]}–{result.quarters[-1]} ({elapsed:.1f} s)"
        )
        print(
            f"mentor network: {result.mentors} mentors, {result.assignments} assignments, "
            f"{result.sessions} sessions, {result.followups} follow-ups, "
            f"{result.session_changes} status changes agreed in sessions"
        )
        print(f"wiki: {result.wiki_pages} best-practice pages")
