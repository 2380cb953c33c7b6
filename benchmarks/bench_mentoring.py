"""Mentor-network timings on a demo database (run by hand; not part of the test run).

    .venv/bin/eits-tracker --database-url sqlite:////tmp/mentordemo.sqlite3 demo --seed 2026 --end 2026-11-27
    .venv/bin/python benchmarks/bench_mentoring.py sqlite:////tmp/mentordemo.sqlite3 [--repeat 15]

What a mentor waits for, each on a fresh session as the app's workers use them:

- **record a session**: ``record_session`` with 2 agreed status changes, 2 new follow-ups and one
  closed, + commit (each run on another municipality's assignment, so no run repeats a change);
  lean baseline: raw ``sqlite3`` inserting the same rows (session, 2 status updates + 2 history
  rows, 2 follow-ups, 1 follow-up update) in one transaction.
- **mentor home**: ``mentee_progress`` + ``next_followups`` of the busiest mentor (what the screen reads).
- **session form context**: ``form_context`` of an assignment (catalogue names for completion,
  open follow-ups, draft).
- **session log**: ``list_sessions`` + ``list_followups`` of the municipality with most sessions.
- **quarter feed**: ``mentoring_activity`` for the last completed quarter (the report's input).
- **dashboard extras**: ``mentors_by_municipality`` + ``overdue_by_municipality``.

Targets: recording ≤ 50 ms, every read ≤ 150 ms (a screen shows in one frame of a busy app), the
quarter feed ≤ 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database
from eits_tracker.mentoring import assignments, followups, form, progress, sessions
from eits_tracker.mentoring.activity import mentoring_activity
from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking.statuses import status_overview

TARGETS_MS = {
    "record a session": 50,
    "mentor home": 150,
    "session form context": 150,
    "session log": 150,
    "quarter feed": 1000,
    "dashboard extras": 150,
}


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="sqlite:/// URL of a demo database (copied; the original is not changed)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--now", default="2026-11-27T12:00:00+00:00")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now).astimezone(UTC)
    today = now.astimezone(TALLINN).date()
    work = Path(tempfile.mkdtemp(prefix="eits-bench-mentoring-"))
    try:
        source = Path(args.url.removeprefix("sqlite:///"))
        ours, lean = work / "ours.sqlite3", work / "lean.sqlite3"
        shutil.copyfile(source, ours)
        shutil.copyfile(source, lean)
        db = open_database(load_settings(database_url=f"sqlite:///{ours}"), prepare=False)
        results: dict[str, list[float]] = {}
        with db.session() as s:
            active = assignments.list_assignments(s, active_on=today)
            busiest = s.execute(
                select(m.MentorSession.mentor_id, func.count())
                .group_by(m.MentorSession.mentor_id)
                .order_by(func.count().desc())
            ).first()[0]
            log_muni = s.execute(
                select(m.MentorSession.municipality_id, func.count())
                .group_by(m.MentorSession.municipality_id)
                .order_by(func.count().desc())
            ).first()[0]
            plans = []
            seen: set[int] = set()
            for a in active:
                if a.municipality_id in seen or len(plans) == args.repeat:
                    continue  # one plan per municipality: no run closes what another closed
                seen.add(a.municipality_id)
                muni = s.get(m.Municipality, a.municipality_id)
                rows = {r.code: r.status for r in status_overview(s, muni) if r.level == "basic"}
                codes = [c for c, st in rows.items() if st != "implemented"][:2]
                open_fu = followups.list_followups(s, today=today, municipality_id=a.municipality_id)
                plans.append((a, codes, [f.id for f in open_fu[:1]]))

        def record(plan: tuple[Any, list[str], list[int]]) -> None:
            a, codes, close = plan
            with db.session() as s:
                sessions.record_session(
                    s,
                    sessions.SessionInput(
                        municipality=a.municipality,
                        assignment_id=a.id,
                        held_at=now - timedelta(hours=1),
                        duration_minutes=60,
                        format="video",
                        notes="## Arutatud\n\n- varundus\n- paroolid",
                        changes=[sessions.AgreedChange(c, "implemented") for c in codes],
                        followups=[
                            sessions.NewFollowUp("Varundusplaan", today + timedelta(days=30), None, "IT-juht"),
                            sessions.NewFollowUp("Koolitus", today + timedelta(days=60), None, "Sekretär"),
                        ],
                        closings=[sessions.Closing(i, "done") for i in close],
                    ),
                    actor="bench",
                    now=now,
                )
                s.commit()

        it = iter(plans)
        results["record a session"] = _timed(lambda: record(next(it)), len(plans))

        def lean_record() -> None:
            conn = sqlite3.connect(lean)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            samples = []
            for a, codes, close in plans:
                t = time.perf_counter()
                stamp = now.replace(tzinfo=None).isoformat(" ")
                cur = conn.execute(
                    "INSERT INTO mentor_session (assignment_id, municipality_id, mentor_id, held_at, duration_minutes,"
                    " format, participants, modules, measures, notes, recorded_by, recorded_at, version)"
                    " VALUES (?, ?, ?, ?, 60, 'video', '[]', '[]', '[]', 'x', 'lean', ?, 1)",
                    (a.id, a.municipality_id, a.mentor_id, stamp, stamp),
                )
                sid = cur.lastrowid
                for code in codes:
                    row = conn.execute(
                        "SELECT ms.id, ms.target_object_id FROM measure_status ms"
                        " JOIN measure me ON me.id = ms.measure_id"
                        " JOIN target_object t ON t.id = ms.target_object_id"
                        " WHERE t.municipality_id = ? AND t.is_default AND me.code = ?",
                        (a.municipality_id, code),
                    ).fetchone()
                    if row is None:
                        continue
                    conn.execute(
                        "UPDATE measure_status SET status='implemented', version=version+1 WHERE id=?", (row[0],)
                    )
                    conn.execute(
                        "INSERT INTO status_history (status_id, municipality_id, target_object_id, measure_code,"
                        " edition_key, changed_at, changed_by, source, new_status, note, changes, session_id)"
                        " VALUES (?, ?, ?, ?, '2024', ?, 'lean', 'session', 'implemented', '', '{}', ?)",
                        (row[0], a.municipality_id, row[1], code, stamp, sid),
                    )
                for desc in ("Varundusplaan", "Koolitus"):
                    conn.execute(
                        "INSERT INTO follow_up (session_id, municipality_id, description, owner, due_date, state,"
                        " reason, closed_by, created_at, version) VALUES (?, ?, ?, '', ?, 'open', '', '', ?, 1)",
                        (sid, a.municipality_id, desc, str(today + timedelta(days=30)), stamp),
                    )
                for fid in close:
                    conn.execute(
                        "UPDATE follow_up SET state='done', closed_at=?, closed_by='lean', closed_in_session_id=?,"
                        " version=version+1 WHERE id=?",
                        (stamp, sid, fid),
                    )
                conn.commit()
                samples.append((time.perf_counter() - t) * 1000)
            conn.close()
            results["record a session (lean sqlite3)"] = samples

        lean_record()

        first = active[0]
        q = mat.last_completed_quarter(now)
        start, end = mat.quarter_end(mat.previous_quarter(q)), mat.quarter_end(q)
        reads: dict[str, Callable[[Session], object]] = {
            "mentor home": lambda s: (
                progress.mentee_progress(s, mentor_id=busiest, today=today),
                progress.next_followups(s, mentor_id=busiest, today=today),
            ),
            "session form context": lambda s: form.form_context(s, first.id, owner="bench", today=today),
            "session log": lambda s: (
                sessions.list_sessions(s, municipality_id=log_muni),
                followups.list_followups(s, today=today, municipality_id=log_muni, states=None),
            ),
            "quarter feed": lambda s: mentoring_activity(s, start=start, end=end),
            "dashboard extras": lambda s: (
                assignments.mentors_by_municipality(s, today=today),
                followups.overdue_by_municipality(s, today=today),
            ),
        }
        for name, fn in reads.items():
            with db.session() as s:
                fn(s)  # warm-up

            def once(fn: Callable[[Session], object] = fn) -> None:
                with db.session() as s:
                    fn(s)

            results[name] = _timed(once, args.repeat)
        with db.session() as s:
            counts = {
                t.__tablename__: s.scalar(select(func.count()).select_from(t))  # type: ignore[attr-defined]
                for t in (m.Person, m.Assignment, m.MentorSession, m.FollowUp)
            }
        print(f"{args.url} (copied), {args.repeat} runs each; {counts}; quarter {q}")
        print("| scenario | median ms | min–max ms | target ms |")
        print("|---|---|---|---|")
        for name, samples in results.items():
            target = TARGETS_MS.get(name, "")
            print(f"| {name} | {statistics.median(samples):.1f} | {min(samples):.1f}–{max(samples):.1f} | {target} |")
        ratio = statistics.median(results["record a session"]) / statistics.median(
            results["record a session (lean sqlite3)"]
        )
        print(f"\nrecord a session: {ratio:.1f}× the lean sqlite3 path")
        db.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
