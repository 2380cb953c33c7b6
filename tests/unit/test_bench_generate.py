"""The scale-data generator (benchmarks/generate.py) writes data the domain code agrees with.

A small database (84 organisations: the 79 real ones and 5 synthetic, 4 quarters) is checked with
the real maturity model and against its own history: every status row is what its history says,
the ``changes`` JSON replays to the row's fields, set_status's rules hold, the maturity as of any
quarter matches a plain reading of the history, and a second run gives the same content.
SQLite only: the generator writes SQLite files.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bench_helpers import bench_generate
from sqlalchemy import create_engine

from eits_tracker.config import load_settings
from eits_tracker.db.setup import open_database
from eits_tracker.db.table_digest import _checksum, _tables
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking.statuses import EDITABLE, RISK_FIELDS

ORGS, QUARTERS = 84, 4
#: What the generator writes or pins (the catalogue itself comes from open_database as it is).
WRITTEN = {
    *("edition", "municipality", "module_applicability", "target_object", "target_object_module"),
    *("measure_status", "status_history", "edition_migration"),
}
FIELDS = ("in_scope", "counts", "coverage", "fulfilment", "level")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path = tmp_path_factory.mktemp("scale") / "scale.sqlite3"
    return path, bench_generate().generate(path, orgs=ORGS, quarters=QUARTERS)


@pytest.fixture
def raw(generated: tuple[Path, Any]) -> sqlite3.Connection:
    conn = sqlite3.connect(generated[0])
    conn.row_factory = sqlite3.Row
    return conn


def _fields(x: mat.Maturity) -> dict[str, object]:
    return {k: getattr(x, k) for k in FIELDS}


def test_organisations_are_unique_and_placed(generated: tuple[Path, Any], raw: sqlite3.Connection) -> None:
    rows = raw.execute("SELECT ehak_code, name, county, county_ehak FROM municipality").fetchall()
    assert len(rows) == ORGS == generated[1].orgs
    assert all(len(r["ehak_code"]) == 4 and r["ehak_code"].isdigit() for r in rows)
    assert len({r["ehak_code"] for r in rows}) == len({r["name"] for r in rows}) == ORGS
    counties = {(r["county"], r["county_ehak"]) for r in rows[:79]}
    assert all((r["county"], r["county_ehak"]) in counties for r in rows[79:])
    assert raw.execute("SELECT count(*) FROM target_object WHERE is_default").fetchone()[0] == ORGS
    assert raw.execute("SELECT count(*) FROM edition_migration").fetchone()[0] > 0
    assert raw.execute("SELECT count(*) FROM target_object_module").fetchone()[0] > 0
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert generated[1].rows["status_history"] == raw.execute("SELECT count(*) FROM status_history").fetchone()[0]


def test_each_status_row_is_what_its_history_says(raw: sqlite3.Connection) -> None:
    """Last history row per status = the status row; old_status chains; ``changes`` replays to the fields."""
    statuses = {r["id"]: r for r in raw.execute("SELECT * FROM measure_status")}
    codes = dict(raw.execute("SELECT id, code FROM measure").fetchall())
    levels = dict(raw.execute("SELECT id, level FROM measure").fetchall())
    history: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for h in raw.execute("SELECT * FROM status_history ORDER BY id"):
        history[h["status_id"]].append(h)
    assert set(history) == set(statuses)
    statuses_seen = set()
    for sid, rows in history.items():
        row = statuses[sid]
        fields = {name: _empty(name) for name in EDITABLE}
        previous, archived, when = None, False, ""
        for h in rows:
            assert h["old_status"] == previous, sid
            assert h["measure_code"] == codes[row["measure_id"]]
            assert h["target_object_id"] == row["target_object_id"]
            assert h["changed_at"] >= when
            for name, (old, new) in json.loads(h["changes"]).items():
                if name in EDITABLE:
                    assert old == fields[name] != new, (sid, name)
                    fields[name] = new
                archived = archived or (name == "archived" and new is True)
            previous, when = h["new_status"], h["changed_at"]
            statuses_seen.add(previous)
        assert rows[-1]["new_status"] == row["status"]
        assert rows[-1]["changed_at"] == row["updated_at"]
        assert len(rows) == row["version"]
        assert bool(row["archived"]) == archived
        for name in EDITABLE:
            stored = json.loads(row[name]) if name == "evidence" else row[name]
            assert fields[name] == stored, (sid, name)
        if row["status"] == "not_applicable":
            assert row["justification"].strip()
        if row["status"] == "risk_accepted":
            assert all(row[f] for f in RISK_FIELDS) and levels[row["measure_id"]] != "basic"
    assert {"implemented", "partial", "not_implemented", "not_applicable", "risk_accepted"} <= statuses_seen


def _empty(name: str) -> Any:
    kind = EDITABLE[name]
    return "" if kind is str else ([] if kind is list else None)


def test_history_ids_follow_time(raw: sqlite3.Connection) -> None:
    times = [r[0] for r in raw.execute("SELECT changed_at FROM status_history ORDER BY id")]
    assert times == sorted(times)


def test_maturity_now_equals_as_of_now_and_starts_at_zero(generated: tuple[Path, Any]) -> None:
    db = open_database(load_settings(database_url=f"sqlite:///{generated[0]}"), prepare=False)
    try:
        with db.session() as s:
            current = mat.maturity_all(s)
            later = mat.maturity_all(s, at=datetime(2030, 1, 1, tzinfo=UTC))
            before = mat.maturity_all(s, at=mat.quarter_end(mat.previous_quarter(generated[1].quarters[0])))
    finally:
        db.engine.dispose()
    assert len(current) == ORGS
    assert {k: _fields(v) for k, v in current.items()} == {k: _fields(v) for k, v in later.items()}
    assert all(x.coverage == 0 and x.level == 0 for x in before.values())
    assert len({x.level for x in current.values()}) >= 2


def test_as_of_each_quarter_matches_a_plain_reading_of_the_history(
    generated: tuple[Path, Any], raw: sqlite3.Connection
) -> None:
    """For organisations that neither moved edition nor have extra target objects, the statuses the
    model counts as assessed as of T are exactly the in-scope measures with a history row by T
    (standard measures count on the standard approach only, high ones whenever recorded)."""
    plain = [
        r[0]
        for r in raw.execute(
            "SELECT m.id FROM municipality m WHERE NOT EXISTS (SELECT 1 FROM edition_migration e WHERE "
            "e.municipality_id = m.id) AND NOT EXISTS (SELECT 1 FROM target_object t WHERE t.municipality_id = m.id "
            "AND NOT t.is_default)"
        )
    ]
    assert len(plain) > ORGS // 2
    db = open_database(load_settings(database_url=f"sqlite:///{generated[0]}"), prepare=False)
    try:
        for quarter in generated[1].quarters:
            at = mat.quarter_end(quarter)
            stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            recorded = dict(
                raw.execute(
                    "SELECT h.municipality_id, count(DISTINCT h.measure_code) FROM status_history h "
                    "JOIN municipality m ON m.id = h.municipality_id "
                    "JOIN measure me ON me.code = h.measure_code AND me.edition_id = m.edition_id "
                    "WHERE h.changed_at <= ? AND (me.level != 'standard' OR m.approach = 'standard') "
                    "GROUP BY h.municipality_id",
                    (stamp,),
                ).fetchall()
            )
            with db.session() as s:
                result = mat.maturity_all(s, at=at, municipality_ids=plain)
            for muni_id in plain:
                counts = result[muni_id].counts
                assert sum(counts.values()) - counts["not_assessed"] == recorded.get(muni_id, 0), (quarter, muni_id)
    finally:
        db.engine.dispose()


def test_the_same_seed_gives_the_same_content(generated: tuple[Path, Any], tmp_path: Path) -> None:
    again = tmp_path / "again.sqlite3"
    bench_generate().generate(again, orgs=ORGS, quarters=QUARTERS)

    def digests(path: Path) -> dict[str, tuple[int, str]]:
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                return {t.name: _checksum(conn, t) for t in _tables() if t.name in WRITTEN}
        finally:
            engine.dispose()

    first = digests(generated[0])
    assert first["status_history"][0] == generated[1].rows["status_history"]
    assert digests(again) == first


def test_reading_from_either_side_of_the_moment_gives_the_same_maturity(
    generated: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "As of" reads the history up to T, or the current rows minus what changed after T, whichever is
    cheaper; both must agree, with edition moves and extra target objects in the data."""
    db = open_database(load_settings(database_url=f"sqlite:///{generated[0]}"), prepare=False)
    try:
        for quarter in generated[1].quarters:
            at = mat.quarter_end(quarter)
            seen = []
            for past in (True, False):
                monkeypatch.setattr(mat, "_past_is_cheaper", lambda *_a, past=past: past)
                with db.session() as s:
                    seen.append({k: _fields(v) for k, v in mat.maturity_all(s, at=at).items()})
            assert seen[0] == seen[1], quarter
    finally:
        db.engine.dispose()
