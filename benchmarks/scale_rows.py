"""The rows of the scale data: one organisation's targets, statuses and history, built as tuples.

``generate.py`` makes the file and the organisations and writes what is collected here; this module
decides what each organisation did quarter by quarter, in the spirit of ``tracking.demo`` (see the
docstring of ``generate.py`` for the rules). Split out so each half reads in one sitting.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from eits_tracker.tracking.demo import NA_REASONS, OWNERS

ACTOR = "bench"
#: Reference rows (editions, municipalities, default targets) get this time instead of "now".
PINNED = "2020-01-01 00:00:00.000000"
SOURCES = ("tui", "tui", "tui", "import", "cli")
TARGET_KINDS = (
    ("Serveriruum", "room"),
    ("Dokumendihaldussüsteem", "application"),
    ("Kohtvõrk", "network"),
    ("Failiserver", "server"),
    ("Tööjaamad", "it_system"),
)
STATUS_COLUMNS = (
    *("id", "target_object_id", "measure_id", "status", "justification", "approved_by", "approval_date"),
    *("decision_ref", "review_date", "owner", "due_date", "implementation", "remaining", "priority", "cost_eur"),
    *("next_review", "note", "evidence", "needs_review", "review_reason", "archived", "version", "updated_by"),
    "updated_at",
)
HISTORY_COLUMNS = (  # without id: SQLite numbers the rows in insertion order, which is time order
    *("status_id", "municipality_id", "target_object_id", "measure_code", "edition_key", "changed_at"),
    *("changed_by", "source", "old_status", "new_status", "note", "changes", "session_id"),
)
_SECOND = timedelta(seconds=1)
_encode = json.JSONEncoder(ensure_ascii=False).encode
NOTES = ("Arutatud infoturbe töörühmas.", "Kontrollitud auditi käigus.", "Vajab eelarvet järgmiseks aastaks.")


@dataclass
class Catalogue:
    editions: dict[str, int]  # key -> id, oldest first
    #: edition id -> module code -> (kind, [(measure id, code, level)])
    modules: dict[int, dict[str, tuple[str, list[tuple[int, str, str]]]]]
    profile: dict[int, set[str]]
    #: edition id -> measure code -> measure id (every measure, in scope or not)
    id_of: dict[int, dict[str, int]] = field(default_factory=dict)
    standard: str = "E-ITS"
    removed: set[str] = field(default_factory=set)
    changed: dict[str, list[str]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)


def _ts(moment: datetime) -> str:
    """As SQLAlchemy's UTCDateTime stores it on SQLite; every moment here is already naive UTC."""
    return moment.isoformat(" ", "microseconds")


class Writer:
    """Collects rows as tuples in table-column order, with ids assigned up front."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.columns = {
            t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
            for t in (
                "municipality",
                "module_applicability",
                "target_object",
                "target_object_module",
                "measure_status",
                "status_history",
                "edition_migration",
            )
        }
        # The two big tables are built as positional tuples (a dict per row costs a third of the time);
        # a schema change must show up here rather than as values in the wrong columns.
        for table, mine in (("measure_status", STATUS_COLUMNS), ("status_history", ("id", *HISTORY_COLUMNS))):
            if sorted(self.columns[table]) != sorted(mine):
                raise RuntimeError(f"{table} has columns {self.columns[table]}; generate.py knows {mine}")
        self.columns["measure_status"], self.columns["status_history"] = list(STATUS_COLUMNS), list(HISTORY_COLUMNS)
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in self.columns}
        self.next_id = {
            t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] + 1 for t in self.columns
        }
        #: (edition_id, approach, version, updated_at, id) of the municipalities open_database made
        self.existing: list[tuple[Any, ...]] = []

    def add(self, table: str, **values: Any) -> int:
        if "id" not in values:
            values["id"] = self.next_id[table]
        self.next_id[table] = max(self.next_id[table], values["id"] + 1)
        self.rows[table].append(tuple(values[c] for c in self.columns[table]))
        return int(values["id"])

    def flush(self) -> dict[str, int]:
        # History ids follow time, as when people record changes one after another.
        self.rows["status_history"].sort(key=itemgetter(HISTORY_COLUMNS.index("changed_at")))
        counts = {}
        for table, rows in self.rows.items():
            cols = self.columns[table]
            self.conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
            )
            counts[table] = len(rows)
        self.conn.executemany(
            "UPDATE municipality SET edition_id = ?, approach = ?, version = ?, updated_at = ? WHERE id = ?",
            self.existing,
        )
        counts["municipality"] += len(self.existing)
        return counts


#: A status row's editable fields before anything is set (statuses.EDITABLE, in its order).
_EMPTY: dict[str, Any] = {
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
}


class _Line:
    """One (target object, measure code): its field values as set_status would have left them."""

    def __init__(self) -> None:
        self.fields = dict(_EMPTY)
        self.status: str | None = None

    def change(self, rng: random.Random, new: str, at: datetime) -> tuple[dict[str, list[Any]], str]:
        """The fields a user would set with this status; returns (changes JSON, history note)."""
        f, day, values = self.fields, at.date(), {}
        if new == "not_applicable":
            values["justification"] = rng.choice(NA_REASONS)
        elif new == "risk_accepted":
            values.update(
                justification="Risk on väike ja meetme kulu ebaproportsionaalne.",
                approved_by="Vallavanem",
                approval_date=day,
                decision_ref=f"Korraldus nr {rng.randrange(1, 400)}",
                review_date=day + timedelta(days=365),
            )
        elif new in ("partial", "not_implemented"):
            if not f["owner"] and rng.random() < 0.85:
                values["owner"] = rng.choice(OWNERS)
            if rng.random() < 0.6:
                values["due_date"] = day + timedelta(days=rng.randrange(30, 400))
            if not f["priority"] and rng.random() < 0.7:
                values["priority"] = rng.choice(("P1", "P2", "P2", "P3"))
            if rng.random() < 0.5:
                values["remaining"] = "Dokumenteerida ja juurutada." if new == "partial" else "Alustamata."
            if rng.random() < 0.15:
                values["cost_eur"] = float(rng.randrange(2, 2000) * 10)
        else:  # implemented
            if not f["owner"] and rng.random() < 0.5:
                values["owner"] = "IT-juht"
            if rng.random() < 0.6:
                values["implementation"] = "Rakendatud ja dokumenteeritud."
            if f["remaining"]:
                values["remaining"] = ""
            if rng.random() < 0.4:
                values["next_review"] = day + timedelta(days=rng.randrange(90, 365))
            if rng.random() < 0.1:
                values["evidence"] = [f"Protokoll {day.isoformat()}"]
        if rng.random() < 0.08:
            values["note"] = rng.choice(NOTES)
        changes = {k: [_json(f[k]), _json(v)] for k, v in values.items() if f[k] != v}
        f.update(values)
        self.status = new
        return changes, str(values.get("note", ""))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _events(rng: random.Random, level: str, pace: float, first_q: int, approach: str, n: int) -> list[tuple[int, str]]:
    """Quarter-indexed status changes of one measure: demo's rules over ``n`` quarters, some high ones chosen."""
    if level == "high" and rng.random() > 0.02:
        return []
    if level == "standard" and approach == "basic" and rng.random() < 0.7:
        return []  # standard measures on the basic approach: only some, taken up early
    weight = 1.0 if level == "basic" else 0.6
    start = first_q + int(rng.expovariate(pace * 1.5))
    if start >= n:
        return []
    r = rng.random()
    if r < 0.03:
        return [(start, "not_applicable")]
    if level != "basic" and r < 0.045:
        return [(start, "risk_accepted")]  # never on a basic measure (set_status refuses it)
    state = "implemented" if r < 0.35 * pace * weight + 0.1 else ("partial" if r < 0.65 else "not_implemented")
    events = [(start, state)]
    for q in range(start + 1, n):
        p = pace * weight * 0.25
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


def organisation_rows(
    w: Writer,
    cat: Catalogue,
    org: dict[str, Any],
    default: int | None,
    rng: random.Random,
    qs: list[tuple[str, datetime, datetime]],
    now: datetime,
    old_key: str,
    new_key: str,
    migrate_share: float,
    exclusions: dict[str, str],
) -> None:
    n = len(qs)
    big = (org["population"] or 0) > 20000
    approach = "standard" if big or rng.random() < 0.15 else "basic"
    migrates = old_key != new_key and n >= 3 and rng.random() < migrate_share
    mq = rng.randrange(n // 3, 2 * n // 3 + 1) if migrates else 0  # quarter index of the move
    old_id, new_id = cat.editions[old_key], cat.editions[new_key]
    t_move = qs[mq][1] + timedelta(seconds=rng.randrange(7 * 86400)) if migrates else qs[0][1]
    version = 1 + (approach == "standard") + migrates
    if default is not None:
        w.existing.append((new_id, approach, version, PINNED, org["id"]))
    else:
        w.add("municipality", **org, edition_id=new_id, approach=approach, version=version, updated_at=PINNED)
        default = w.add(
            "target_object",
            municipality_id=org["id"],
            name="Kogu organisatsioon",
            kind="organisation",
            is_default=1,
            description="",
            created_at=PINNED,
        )
    excluded = set()
    for code, reason in exclusions.items():
        if rng.random() < 0.25:
            excluded.add(code)
            w.add(
                "module_applicability",
                municipality_id=org["id"],
                module_code=code,
                applicable=0,
                reason=reason,
                changed_by=ACTOR,
                changed_at=PINNED,
            )
    scope = {eid: cat.profile[eid] - excluded for eid in (old_id, new_id)}
    # Extra target objects carrying system modules of the final edition, from some quarter on.
    systems = sorted(c for c in scope[new_id] if cat.modules[new_id][c][0] == "system")
    carriers: dict[str, list[tuple[int, int]]] = {}  # module code -> [(target id, from quarter)]
    if systems and rng.random() < 0.3:
        for name, kind in rng.sample(TARGET_KINDS, rng.randint(1, 3)):
            kq = rng.randrange(n)
            created = qs[kq][1]  # its statuses come later in that quarter; the default's end before it
            tid = w.add(
                "target_object",
                municipality_id=org["id"],
                name=name,
                kind=kind,
                is_default=0,
                description="",
                created_at=_ts(created),
            )
            for code in rng.sample(systems, min(len(systems), rng.randint(1, 2))):
                w.add("target_object_module", target_object_id=tid, module_code=code)
                carriers.setdefault(code, []).append((tid, kq))

    pace = min(1.0, max(0.15, rng.gauss(0.55 if big else 0.4, 0.18)))
    first_q = rng.randrange(0, max(1, n // 3))
    # Every measure code in scope of the edition worked on at some point: (module, kind, level) and
    # whether it is in scope before the move (old edition) and after it (new edition).
    codes: dict[str, list[Any]] = {}
    for eid in dict.fromkeys((old_id, new_id) if migrates else (new_id,)):
        for module in sorted(scope[eid]):
            kind, measures = cat.modules[eid][module]
            for _mid, code, level in measures:
                entry = codes.setdefault(code, [module, kind, level, False, False])
                entry[3 if eid == old_id and migrates else 4] = True
    tally = {"kept": 0, "flagged": 0, "archived": 0}
    for code, (module, kind, level, in_old, in_new) in codes.items():
        lines = [(default, 0, min((k for _, k in carriers.get(module, [])), default=n) if kind == "system" else n)]
        if kind == "system":
            lines += [(tid, kq, n) for tid, kq in carriers.get(module, [])]
        for tid, lo, hi in lines:
            events = [
                (q, s)
                for q, s in _events(rng, level, pace, first_q, approach, n)
                if lo <= q < hi and (in_old if migrates and q < mq else in_new)
            ]
            if events:
                _status(
                    w,
                    rng,
                    cat,
                    org["id"],
                    tid,
                    code,
                    events,
                    qs,
                    now,
                    (old_key, new_key, mq, t_move) if migrates else None,
                    tally,
                )
    if migrates:
        w.add(
            "edition_migration",
            municipality_id=org["id"],
            from_edition_id=old_id,
            to_edition_id=new_id,
            migrated_at=_ts(t_move),
            migrated_by=ACTOR,
            added=len(cat.added),
            **tally,
        )


def _status(
    w: Writer,
    rng: random.Random,
    cat: Catalogue,
    muni_id: int,
    tid: int,
    code: str,
    events: list[tuple[int, str]],
    qs: list[tuple[str, datetime, datetime]],
    now: datetime,
    move: tuple[str, str, int, datetime] | None,
    tally: dict[str, int],
) -> None:
    """One status row and its history: the changes, and the edition move in between when there is one."""
    keys = list(cat.editions)
    old_key, new_key, mq, t_move = move or (keys[-1], keys[-1], 0, qs[0][1])
    line, sid, version, last_at = _Line(), w.next_id["measure_status"], 0, qs[0][1]
    w.next_id["measure_status"] += 1
    archived = review = False
    history = w.rows["status_history"]
    for i, (q, new) in enumerate(events):
        _label, q_start, q_end = qs[q]
        low = t_move + _SECOND if move and q == mq else q_start
        at = low + timedelta(seconds=rng.randrange(max(1, int((min(q_end, now) - low).total_seconds()))))
        old = line.status
        changes, note = line.change(rng, new, at)
        edition_key = old_key if move and q < mq else new_key
        # In HISTORY_COLUMNS order.
        history.append(
            (
                sid,
                muni_id,
                tid,
                code,
                edition_key,
                _ts(at),
                ACTOR,
                rng.choice(SOURCES),
                old,
                new,
                note,
                _encode(changes) if changes else "{}",
                None,
            )
        )
        version, last_at = version + 1, at
        if not (move and q < mq and (i + 1 == len(events) or events[i + 1][0] >= mq)):
            continue
        # What tracking.editions.migrate_municipality does to a status row that exists at the move.
        if code in cat.removed:
            archived = True
            note, changes = f"measure removed in {cat.standard} {new_key}: status archived", {"archived": [False, True]}
        elif code in cat.changed:
            review = True
            note = f"moved to {cat.standard} {new_key}; review needed, changed: {', '.join(cat.changed[code])}"
            changes = {"edition": [old_key, new_key], "needs_review": [False, True]}
        else:
            tally["kept"] += 1
            continue
        tally["archived" if archived else "flagged"] += 1
        history.append(
            (sid, muni_id, tid, code, new_key, _ts(t_move), ACTOR, "migration", new, new, note, _encode(changes), None)
        )
        version, last_at = version + 1, max(last_at, t_move)
    f = line.fields
    # In STATUS_COLUMNS order.
    w.rows["measure_status"].append((
        sid, tid, cat.id_of[cat.editions[old_key if archived else new_key]][code], line.status,
        f["justification"], f["approved_by"], _json(f["approval_date"]), f["decision_ref"], _json(f["review_date"]),
        f["owner"], _json(f["due_date"]), f["implementation"], f["remaining"], f["priority"], f["cost_eur"],
        _json(f["next_review"]), f["note"], _encode(f["evidence"]) if f["evidence"] else "[]", int(review),
        f"changed in {new_key}: {', '.join(cat.changed[code])}" if review else "", int(archived), version, ACTOR,
        _ts(last_at),
    ))  # fmt: skip
