"""Realistic synthetic progress for all municipalities over the last eight quarters.

Deterministic for a given seed and end date. Each municipality gets a pace
(bigger towns start earlier and move faster, with noise); each in-scope
measure is first assessed in some quarter and then moves from not implemented
to partial to implemented, basic measures faster than standard ones. Every
change is a history row at a time inside its quarter, so "status as of the end
of any quarter" is answerable from the history, as the reports need.

Rows are written with bulk Core inserts (one transaction): the same rules as
``set_status`` hold (not applicable has a justification, accepted risks have
the full record and are never basic), but at the speed of a data load.

The mentor network (``mentoring.demo``) is written between planning and writing
the history: a few planned changes become agreed in its sessions, moved inside
their quarter only, so the figures per quarter are the same with or without it.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import JSON, Date, func, insert, select
from sqlmodel import Session

from eits_tracker.access import require_admin
from eits_tracker.db import models as m
from eits_tracker.db.types import UTCDateTime
from eits_tracker.errors import ValidationError
from eits_tracker.mentoring.demo import Scope, generate_network
from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking import municipalities as munis

OWNERS = [
    "Infoturbejuht",
    "IT-juht",
    "Vallasekretär",
    "Linnasekretär",
    "Kantselei juhataja",
    "IT-spetsialist",
    "Personalijuht",
    "Haldusjuht",
    "Andmekaitsespetsialist",
]
NA_REASONS = [
    "Vallal pole oma serveriruumi; teenus on pilves.",
    "Seda süsteemi asutuses ei kasutata.",
    "Teenus on sisse ostetud; nõue on lepingus teenuseosutajal.",
]
EXCLUSIONS = {
    "APP.EE.1": "Omavalitsus ei paku ise X-tee andmeteenuseid.",
    "SYS.1.5": "Virtualiseerimist ei kasutata; serverid on teenusepakkuja juures.",
    "NET.2.1": "Asutusel puudub oma WLAN; kasutatakse mobiilset internetti.",
    "INF.5": "Eraldi tehnikaruumi pole, seadmed asuvad teenusepakkuja andmekeskuses.",
}


@dataclass
class DemoResult:
    municipalities: int
    statuses: int
    history: int
    quarters: list[str]
    mentors: int = 0
    assignments: int = 0
    sessions: int = 0
    followups: int = 0
    session_changes: int = 0
    wiki_pages: int = 0


def quarter_ends(end: date, count: int = 8) -> list[tuple[str, datetime, datetime]]:
    """The last ``count`` complete-or-current quarters up to ``end``: (label, start UTC, end UTC)."""
    q = (end.month - 1) // 3
    year = end.year
    out = []
    for _ in range(count):
        start_local = datetime.combine(date(year, q * 3 + 1, 1), time(), TALLINN)
        nm = q * 3 + 4
        end_local = datetime.combine(date(year + (nm > 12), (nm - 1) % 12 + 1, 1), time(), TALLINN)
        out.append((f"{year}Q{q + 1}", start_local.astimezone(UTC), end_local.astimezone(UTC)))
        q -= 1
        if q < 0:
            q, year = 3, year - 1
    return list(reversed(out))


def generate(
    session: Session, *, seed: int = 2026, end: date, actor: str = "demo", mentors: bool = True, wiki: bool = True
) -> DemoResult:
    """Fill an untouched database. History is append-only, so a database with statuses is refused.

    ``mentors=False`` leaves out the mentor network, ``wiki=False`` the best-practice pages (the
    status data is the same either way).
    """
    require_admin(session, "fill the database with demo data")
    if session.scalar(select(func.count()).select_from(m.StatusHistory)):
        raise ValidationError(
            "this database already has status history; demo data goes into a new database "
            "(e.g. --database-url sqlite:///demo.sqlite3)."
        )
    quarters = quarter_ends(end)
    now = datetime.combine(end, time(12), TALLINN).astimezone(UTC)
    conn = session.connection()
    statuses: list[dict[str, Any]] = []
    pending_history: list[tuple[int, list[dict[str, Any]]]] = []
    scopes: dict[int, Scope] = {}

    municipalities = munis.list_municipalities(session)
    n_munis = len(municipalities)
    for mu in municipalities:
        rng = random.Random(f"{seed}:{mu.ehak_code}")
        edition = munis.edition_of(session, mu)
        big = (mu.population or 0) > 20000
        if big or rng.random() < 0.15:
            munis.set_approach(session, mu, "standard")
        for code, reason in EXCLUSIONS.items():
            if rng.random() < 0.25:
                munis.set_module_applicability(session, mu, code, applicable=False, reason=reason, actor=actor)
        session.flush()
        modules = munis.applicable_modules(session, mu)
        scopes[mu.id] = Scope(edition.id, modules)  # type: ignore[index, arg-type]
        target = munis.default_target(session, mu)
        measures = session.execute(
            select(m.Measure.id, m.Measure.code, m.Measure.level)
            .where(m.Measure.edition_id == edition.id, m.Measure.module_code.in_(modules))  # type: ignore[attr-defined]
            .order_by(m.Measure.id)
        ).all()
        pace = min(1.0, max(0.15, rng.gauss(0.55 if big else 0.4, 0.18)))
        first_quarter = rng.randrange(0, 4)
        for mid, code, level in measures:
            events = _measure_events(rng, level, pace, first_quarter, mu.approach)
            if not events:
                continue
            changes = []
            old = None
            for qi, new in events:
                _label, q_start, q_end = quarters[qi]
                span = max(1, int((min(q_end, now) - q_start).total_seconds()))
                at = q_start + timedelta(seconds=rng.randrange(span))
                changes.append({"changed_at": at, "old_status": old, "new_status": new})
                old = new
            final = events[-1][1]
            row = _status_row(rng, target.id, mid, level, final, len(events), changes[-1]["changed_at"], actor, end)  # type: ignore[arg-type]
            statuses.append(row)
            pending_history.append(
                (
                    len(statuses) - 1,
                    [
                        {
                            **c,
                            "municipality_id": mu.id,
                            "target_object_id": target.id,
                            "measure_code": code,
                            "edition_key": edition.key,
                            "changed_by": actor,
                            "source": "demo",
                            "note": row["note"] if c is changes[-1] else "",
                            "changes": {},
                            "session_id": None,  # set where a mentoring session agreed the change
                        }
                        for c in changes
                    ],
                )
            )

    network = None
    if mentors:
        network = generate_network(
            session,
            seed=seed,
            end=end,
            now=now,
            quarters=quarters,
            municipalities=municipalities,
            scopes=scopes,
            statuses=statuses,
            pending_history=pending_history,
            actor=actor,
        )
    if conn.dialect.name == "sqlite":
        n_history = _bulk_sqlite(conn, statuses, pending_history)
    else:
        n_history = _bulk_core(conn, statuses, pending_history)
    counts = asdict(network) if network is not None else {}
    if wiki:  # last, and only wiki tables: the figures above do not depend on it
        from eits_tracker.wiki.demo import generate_wiki

        counts["wiki_pages"] = generate_wiki(session, seed=seed, end=end, actor=actor)
    return DemoResult(n_munis, len(statuses), n_history, [q[0] for q in quarters], **counts)


def _bulk_core(conn: Any, statuses: list[dict[str, Any]], pending: list[tuple[int, list[dict[str, Any]]]]) -> int:
    """Portable path (PostgreSQL): Core inserts, then the generated ids read back."""
    if statuses:
        conn.execute(insert(m.MeasureStatus), statuses)
    ids = {
        (t, mid): sid
        for sid, t, mid in conn.execute(
            select(m.MeasureStatus.id, m.MeasureStatus.target_object_id, m.MeasureStatus.measure_id)
        ).all()
    }
    history = []
    for index, rows in pending:
        sid = ids[(statuses[index]["target_object_id"], statuses[index]["measure_id"])]
        for r in rows:
            r["status_id"] = sid
            history.append(r)
    history.sort(key=lambda r: r["changed_at"])
    if history:
        conn.execute(insert(m.StatusHistory), history)
    return len(history)


def _sqlite_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_converters(table: Any) -> list[tuple[str, Any]]:
    """Per column, what SQLAlchemy would store on SQLite, chosen once from the column's type:
    naive-UTC timestamps, ISO dates, JSON text; everything else as it is."""
    out: list[tuple[str, Any]] = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            conv: Any = _sqlite_timestamp
        elif isinstance(kind, Date):
            conv = date.isoformat
        elif isinstance(kind, JSON):
            conv = partial(json.dumps, ensure_ascii=False)
        else:
            conv = None
        out.append((column.name, conv))
    return out


def _tuples(rows: list[dict[str, Any]], converters: list[tuple[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        tuple(value if (value := row.get(name)) is None or conv is None else conv(value) for name, conv in converters)
        for row in rows
    ]


def _bulk_sqlite(conn: Any, statuses: list[dict[str, Any]], pending: list[tuple[int, list[dict[str, Any]]]]) -> int:
    """SQLite fast path: ids assigned here (the table is ours alone in this transaction), rows sent
    as plain tuples through the driver. Profiling showed per-row bind processing as 40 % of the demo."""
    first = (conn.execute(select(func.max(m.MeasureStatus.id))).scalar() or 0) + 1
    for offset, row in enumerate(statuses):
        row["id"] = first + offset
    history = []
    for index, rows in pending:
        for r in rows:
            r["status_id"] = statuses[index]["id"]
            history.append(r)
    history.sort(key=lambda r: r["changed_at"])
    status_conv = _sqlite_converters(m.MeasureStatus.__table__)  # type: ignore[attr-defined]
    history_conv = [(n, c) for n, c in _sqlite_converters(m.StatusHistory.__table__) if n != "id"]  # type: ignore[attr-defined]
    cursor = conn.connection.driver_connection.cursor()
    for table, conv, rows in (("measure_status", status_conv, statuses), ("status_history", history_conv, history)):
        names = [n for n, _ in conv]
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", _tuples(rows, conv)
        )
    cursor.close()
    return len(history)


def _measure_events(rng: random.Random, level: str, pace: float, first_q: int, approach: str) -> list[tuple[int, str]]:
    """Quarter-indexed status changes of one measure."""
    if level == "high" or (level == "standard" and approach == "basic" and rng.random() < 0.7):
        return []  # out of scope: high measures are chosen explicitly, standard ones later
    weight = 1.0 if level == "basic" else 0.6
    # Assessment starts in some quarter; slower municipalities assess later.
    start = first_q + int(rng.expovariate(pace * 1.5))
    if start > 7:
        return []
    r = rng.random()
    if r < 0.03:
        return [(start, "not_applicable")]
    if level == "standard" and r < 0.045:
        return [(start, "risk_accepted")]
    state = "implemented" if r < 0.35 * pace * weight + 0.1 else ("partial" if r < 0.65 else "not_implemented")
    events = [(start, state)]
    for q in range(start + 1, 8):
        p = pace * weight * 0.45
        if state == "not_implemented" and rng.random() < p:
            state = "partial" if rng.random() < 0.7 else "implemented"
            events.append((q, state))
        elif state == "partial" and rng.random() < p:
            state = "implemented"
            events.append((q, state))
        elif state == "implemented" and rng.random() < 0.01:
            state = "partial"  # a lapse found at review
            events.append((q, state))
    return events


def _status_row(
    rng: random.Random,
    target_id: int,
    measure_id: int,
    level: str,
    status: str,
    n_changes: int,
    at: datetime,
    actor: str,
    end: date,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "target_object_id": target_id,
        "measure_id": measure_id,
        "status": status,
        "justification": "",
        "approved_by": "",
        "approval_date": None,
        "decision_ref": "",
        "review_date": None,
        "owner": "",
        "due_date": None,
        "implementation": "",
        "remaining": "",
        "priority": "",
        "cost_eur": None,
        "next_review": None,
        "note": "",
        "evidence": [],
        "needs_review": False,
        "review_reason": "",
        "archived": False,
        "version": n_changes,
        "updated_by": actor,
        "updated_at": at,
    }
    if status == "not_applicable":
        row["justification"] = rng.choice(NA_REASONS)
    elif status == "risk_accepted":
        approved = at.date()
        row.update(
            justification="Risk on väike ja meetme kulu ebaproportsionaalne.",
            approved_by="Vallavanem",
            approval_date=approved,
            decision_ref=f"Korraldus nr {rng.randrange(1, 400)}",
            review_date=approved + timedelta(days=365),
        )
    elif status in ("partial", "not_implemented"):
        row.update(
            owner=rng.choice(OWNERS),
            due_date=end + timedelta(days=rng.randrange(30, 400)),
            priority=rng.choice(["P1", "P2", "P2", "P3"]),
            remaining="Dokumenteerida ja juurutada." if status == "partial" else "Alustamata.",
        )
    else:
        row.update(
            owner=rng.choice(OWNERS),
            implementation="Rakendatud ja dokumenteeritud.",
            next_review=end + timedelta(days=rng.randrange(90, 365)),
        )
    return row
