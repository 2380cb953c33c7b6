"""Statuses kept at completed quarter ends (tracking.snapshots), on both backends: they give exactly
what replaying the history gives, they are read back while the history up to then is unchanged,
and a row written later with a time inside the quarter makes them stale (computed again, replaced).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.db.setup import Database
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking import snapshots
from eits_tracker.tracking.demo import generate
from eits_tracker.tracking.maturity_load import _load
from eits_tracker.tracking.statuses import set_status

Q1_END = mat.quarter_end("2026Q1")  # 2026-03-31 21:00 UTC (24:00 in Tallinn, summer time since 29 March)
Q3_END = mat.quarter_end("2026Q3")  # 2026-09-30 21:00 UTC (summer time)


def _kept(session: Session, at: datetime) -> dict[int, tuple[int, int, str]]:
    sn = m.StatusSnapshot
    rows = session.execute(
        select(sn.municipality_id, sn.history_count, sn.history_max_id, sn.statuses).where(sn.at == at)
    )
    return {mid: (count, top, blob) for mid, count, top, blob in rows}


def _replayed(session: Session, at: datetime) -> dict[int, dict[int, str]]:
    loaded = _load(session, None, history=True, all_editions=True)
    return mat._replayed(session, loaded, at)


def _nonempty(statuses: dict[int, dict[int, str]]) -> dict[int, dict[int, str]]:
    return {tid: known for tid, known in statuses.items() if known}


def _read(session: Session, at: datetime) -> dict[int, dict[int, str]]:
    loaded = _load(session, None, history=True, all_editions=True, current=False)
    return mat._as_of(session, loaded, at)


def test_only_the_ends_of_completed_quarters_are_kept() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert datetime(2026, 3, 31, 21, tzinfo=UTC) == Q1_END
    assert datetime(2026, 9, 30, 21, tzinfo=UTC) == Q3_END
    assert mat.quarter_end("2025Q4") == datetime(2025, 12, 31, 22, tzinfo=UTC)  # winter time
    for quarter in ("2024Q1", "2025Q4", "2026Q1", "2026Q2", "2026Q3"):
        assert snapshots.eligible(mat.quarter_end(quarter), now), quarter
    assert not snapshots.eligible(mat.quarter_end("2026Q4"), now)  # still running
    assert not snapshots.eligible(mat.quarter_end("2027Q1"), now)
    for off in (timedelta(seconds=-1), timedelta(microseconds=1), timedelta(hours=1), timedelta(days=-1)):
        assert not snapshots.eligible(Q3_END + off, now), off
    # A naive moment is UTC, as everywhere in the model.
    assert snapshots.eligible(Q3_END.replace(tzinfo=None), now)


def test_kept_statuses_equal_the_replayed_history_and_are_read_back(session: Session) -> None:
    generate(session, seed=7, end=date(2026, 11, 27))
    session.commit()
    quarters = ("2025Q1", "2025Q4", "2026Q3")
    first = {q: mat.maturity_all(session, at=mat.quarter_end(q)) for q in quarters}
    session.commit()  # the caller's transaction ends: the snapshots are kept now
    for q in quarters:
        at = mat.quarter_end(q)
        kept = _kept(session, at)
        h = m.StatusHistory
        recorded = dict(
            session.execute(
                select(h.municipality_id, func.count()).where(h.changed_at <= at).group_by(h.municipality_id)
            ).all()
        )
        assert set(kept) == set(recorded) and len(kept) >= 10, q
        assert all(kept[mid][0] == n for mid, n in recorded.items()), q
        assert _read(session, at) == _replayed(session, at), q
        assert mat.maturity_all(session, at=at) == first[q], q
    # Read back, not computed again: a snapshot changed behind the model's back shows through.
    at = mat.quarter_end("2026Q3")
    tallinn = munis.find_municipality(session, "Tallinn")
    assert mat.maturity_of(session, tallinn, at=at).coverage > 0
    sn = m.StatusSnapshot
    emptied = update(sn).values(statuses=zlib.compress(b"{}"))
    session.execute(emptied.where(sn.municipality_id == tallinn.id, sn.at == at))
    session.commit()
    assert mat.maturity_of(session, tallinn, at=at).coverage == 0.0


def test_a_change_dated_inside_the_quarter_makes_its_snapshot_stale(session: Session) -> None:
    tartu = munis.find_municipality(session, "Tartu linn")
    inside = datetime(2026, 2, 10, 9, tzinfo=UTC)
    for code in ("ISMS.1.M1", "ISMS.1.M2", "ORP.1.M1"):
        set_status(session, municipality=tartu, measure_code=code, status="implemented", actor="t", changed_at=inside)
    session.commit()
    before = mat.maturity_of(session, tartu, at=Q1_END)
    session.commit()
    (count, _top, blob) = _kept(session, Q1_END)[tartu.id]
    assert count == 3 and sorted(next(iter(json.loads(zlib.decompress(blob)).values()))["implemented"]) == [
        "ISMS.1.M1",
        "ISMS.1.M2",
        "ORP.1.M1",
    ]
    # A change after the quarter's end leaves it as it was (and the snapshot in use) …
    set_status(session, municipality=tartu, measure_code="ISMS.1.M1", status="partial", actor="t")
    session.commit()
    assert mat.maturity_of(session, tartu, at=Q1_END) == before
    session.commit()
    assert _kept(session, Q1_END)[tartu.id][0] == 3
    # … one dated inside it (an import of last quarter's work) is seen at once, and replaces the snapshot.
    set_status(session, municipality=tartu, measure_code="ISMS.1.M2", status="partial", actor="t", changed_at=inside)
    session.commit()
    after = mat.maturity_of(session, tartu, at=Q1_END)
    assert after.counts["partial"] == before.counts.get("partial", 0) + 1
    assert _read(session, Q1_END) == _replayed(session, Q1_END)
    session.commit()
    count, _top, blob = _kept(session, Q1_END)[tartu.id]
    assert count == 4 and "partial" in next(iter(json.loads(zlib.decompress(blob)).values()))
    assert mat.maturity_of(session, tartu, at=Q1_END) == after


def test_nothing_is_kept_from_a_transaction_that_wrote_or_for_other_moments(session: Session) -> None:
    tartu = munis.find_municipality(session, "Tartu linn")
    inside = datetime(2026, 2, 10, 9, tzinfo=UTC)
    set_status(
        session, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=inside
    )
    computed = mat.maturity_of(session, tartu, at=Q1_END)  # the change is not committed yet
    session.rollback()
    assert _kept(session, Q1_END) == {}
    assert mat.maturity_of(session, tartu, at=Q1_END) != computed  # it was rolled back
    set_status(
        session, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=inside
    )
    session.commit()
    # Not a quarter's end, or a quarter still running: computed, never kept.
    mat.maturity_of(session, tartu, at=Q1_END - timedelta(seconds=1))
    mat.maturity_of(session, tartu, at=mat.quarter_end("2099Q1"))
    session.commit()
    assert session.execute(select(func.count()).select_from(m.StatusSnapshot)).scalar_one() == 0


def test_reading_a_past_quarter_then_writing_in_the_same_transaction(db: Database) -> None:
    """A snapshot is written after the reader's transaction, not during it, so the reader can still
    save a change in that transaction (on SQLite a commit from elsewhere meanwhile would make that
    write fail); as the transaction wrote, nothing is kept from it, and the next reading keeps it."""
    with db.session() as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        inside = datetime(2026, 2, 10, tzinfo=UTC)
        set_status(s, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=inside)
        s.commit()
    with db.session() as reader:
        tartu = munis.find_municipality(reader, "Tartu linn")
        seen = mat.maturity_of(reader, tartu, at=Q1_END)
        set_status(reader, municipality=tartu, measure_code="ORP.1.M1", status="partial", actor="t")
        reader.commit()
    with db.session() as s:
        assert _kept(s, Q1_END) == {}
        assert s.execute(select(func.count()).select_from(m.MeasureStatus)).scalar_one() == 2
        assert mat.maturity_of(s, tartu, at=Q1_END) == seen
    with db.session() as s:
        assert list(_kept(s, Q1_END)) == [tartu.id]


def test_a_municipality_without_history_by_then_needs_no_snapshot(session: Session) -> None:
    tartu = munis.find_municipality(session, "Tartu linn")
    set_status(session, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t")  # now
    session.commit()
    assert mat.maturity_of(session, tartu, at=Q1_END).coverage == 0.0
    session.commit()
    assert _kept(session, Q1_END) == {}


def test_a_report_series_keeps_its_quarter_ends_and_reads_them_back(session: Session) -> None:
    from eits_tracker.tracking import maturity_series

    generate(session, seed=7, end=date(2026, 11, 27))
    session.commit()
    ends = [mat.quarter_end(q) for q in ("2025Q4", "2026Q1", "2026Q2", "2026Q3")]
    moments = [*ends, datetime(2026, 11, 1, tzinfo=UTC), mat.quarter_end("2026Q4")]  # neither is kept

    def replayed() -> dict[datetime, dict[int, dict[int, str]]]:
        loaded = _load(session, None, history=True, all_editions=True)
        return maturity_series._sweep(session, loaded, sorted(moments))[0]

    first = maturity_series.series(session, moments)
    session.commit()
    assert session.execute(select(func.count(func.distinct(m.StatusSnapshot.at)))).scalar_one() == len(ends)
    for t in ends:
        assert set(_kept(session, t)) == {mid for mid, when in first.first_recorded.items() if when <= t}
    again = maturity_series.series(session, moments)
    assert again.statuses == first.statuses == replayed()
    assert again.maturity == first.maturity and again.first_recorded == first.first_recorded
    # Read back: a snapshot changed behind the model's back shows through, in its quarter only.
    tallinn = munis.find_municipality(session, "Tallinn")
    sn = m.StatusSnapshot
    emptied = update(sn).values(statuses=zlib.compress(b"{}"))
    session.execute(emptied.where(sn.municipality_id == tallinn.id, sn.at == ends[2]))
    session.commit()
    forged = maturity_series.series(session, moments)
    assert forged.maturity[ends[2]][tallinn.id].coverage == 0.0
    assert forged.maturity[ends[1]][tallinn.id] == first.maturity[ends[1]][tallinn.id]
    assert forged.maturity[ends[3]][tallinn.id] == first.maturity[ends[3]][tallinn.id]
    # A change dated inside 2026Q1 makes that quarter's snapshot and every later one stale for Tallinn.
    counted = {t: _kept(session, t)[tallinn.id][0] for t in ends[1:]}
    set_status(
        session,
        municipality=tallinn,
        measure_code="ISMS.1.M1",
        status="not_implemented",
        actor="t",
        changed_at=ends[1] - timedelta(days=3),
    )
    session.commit()
    after = maturity_series.series(session, moments)
    assert after.statuses == replayed()
    assert after.maturity[ends[0]] == first.maturity[ends[0]]
    session.commit()
    assert {t: _kept(session, t)[tallinn.id][0] for t in ends[1:]} == {t: n + 1 for t, n in counted.items()}
    assert maturity_series.series(session, moments).statuses == after.statuses


def test_a_change_saved_while_a_past_quarter_is_read_is_not_taken_for_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone saves a status (now) just as the reader takes the current statuses: on PostgreSQL
    (read committed) the reader sees it, and must still find that it was not there at the quarter's
    end — nor keep it in the quarter's snapshot, where no later history would ever correct it."""
    from eits_tracker.tracking import maturity_load

    with db.session() as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        inside = datetime(2026, 2, 10, tzinfo=UTC)
        set_status(s, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=inside)
        s.commit()
    real = maturity_load._current

    def someone_saves_first(session: Session, ids: list[int] | None) -> dict[int, dict[int, str]]:
        with db.session() as other:
            mu = munis.find_municipality(other, "Tartu linn")
            set_status(other, municipality=mu, measure_code="ISMS.1.M2", status="implemented", actor="o")
            other.commit()
        return real(session, ids)

    monkeypatch.setattr(maturity_load, "_current", someone_saves_first)
    with db.session() as reader:
        seen = mat.maturity_of(reader, tartu, at=Q1_END)
    monkeypatch.undo()
    assert seen.counts.get("implemented") == 1
    with db.session() as s:
        (_count, _top, blob) = _kept(s, Q1_END)[tartu.id]
        target = str(munis.default_target(s, tartu).id)
        assert json.loads(zlib.decompress(blob)) == {target: {"implemented": ["ISMS.1.M1"]}}
        assert mat.maturity_of(s, tartu, at=Q1_END) == seen
        assert mat.maturity_of(s, tartu).counts.get("implemented") == 2


def test_a_session_bound_to_a_connection_reads_and_commits_without_keeping(db: Database) -> None:
    """A session on one connection (a test fixture's pattern, a script inside a transaction): a
    second connection could not see its work, so nothing is kept — and its commit still succeeds."""
    with db.session() as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        inside = datetime(2026, 2, 10, tzinfo=UTC)
        set_status(s, municipality=tartu, measure_code="ISMS.1.M1", status="implemented", actor="t", changed_at=inside)
        s.commit()
    with db.engine.connect() as conn, Session(bind=conn) as bound:
        assert mat.maturity_of(bound, tartu, at=Q1_END).counts["implemented"] == 1
        bound.commit()
        conn.commit()
    with db.session() as s:
        assert _kept(s, Q1_END) == {}


def test_a_quarter_is_replayed_from_the_last_one_kept(tmp_path: Path) -> None:
    """Quarter after quarter, as a database lives: each first reading starts from the quarter end
    kept before it and reads only the history since — and gives what replaying everything gives,
    edition moves (with their archived statuses) included. Generated data: 40 organisations × 6
    quarters, 15 % of them moving from E-ITS 2023 to 2024 in a middle quarter."""
    from bench_helpers import bench_generate

    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database

    path = tmp_path / "scale.sqlite3"
    made = bench_generate().generate(path, orgs=40, quarters=6)
    assert made.rows["edition_migration"] > 0
    db = open_database(load_settings(database_url=f"sqlite:///{path}"), prepare=False)
    try:
        ends = [mat.quarter_end(q) for q in made.quarters[:-1]]  # the last one is still running
        for at in ends:
            with db.session() as s:
                got = _read(s, at)
            with db.session() as s:
                # (A target without any status may be left out or given as {}: the same to the model.)
                assert _nonempty(got) == _nonempty(_replayed(s, at)), at
                h = m.StatusHistory
                recorded = set(s.execute(select(h.municipality_id).where(h.changed_at <= at).distinct()).scalars())
                assert set(_kept(s, at)) == recorded and recorded, at
        # It did start from the kept quarter: one made empty behind the model's back shows through
        # in the next quarter's first reading, for the codes unchanged in between.
        with db.session() as s:
            sn = m.StatusSnapshot
            s.execute(sn.__table__.delete().where(sn.at == ends[-1]))
            s.execute(update(sn).where(sn.at == ends[-2]).values(statuses=zlib.compress(b"{}")))
            s.commit()
        with db.session() as s:
            onward = _read(s, ends[-1])
            assert sum(map(len, onward.values())) < sum(map(len, _replayed(s, ends[-1]).values())) / 2
    finally:
        db.engine.dispose()
