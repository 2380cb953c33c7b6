"""The maturity model: scope, roll-up, exclusions, levels, "as of" from the history, the dashboard rows.

Most scenarios use Tartu linn with every KOV-profile module excluded except three, so each number
can be worked out by hand:

    CON.6  (process)  basic M1 M2 M11 M12   standard M4 M8 M13         high M14
    ORP.5  (process)  basic M1 M2           standard M4 M5 M8
    INF.10 (system)   basic M1 M3           standard M4 M5 M6 M7 M8    high M9

That is 8 basic, 11 standard and 2 high measures.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlmodel import Session

from eits_tracker.catalog.diff import diff_editions
from eits_tracker.catalog.queries import find_edition
from eits_tracker.config import DEFAULT_MATURITY_THRESHOLDS, load_settings
from eits_tracker.db import models as m
from eits_tracker.errors import ConfigError, ValidationError
from eits_tracker.text import estonian_key
from eits_tracker.timeutil import utcnow
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.demo import generate, quarter_ends
from eits_tracker.tracking.editions import migrate_municipality
from eits_tracker.tracking.rollup import rollup
from eits_tracker.tracking.statuses import set_status, status_overview
from eits_tracker.tracking.vocab import STATUSES

KEEP = ("CON.6", "ORP.5", "INF.10")
BASIC = ("CON.6.M1", "CON.6.M2", "CON.6.M11", "CON.6.M12", "ORP.5.M1", "ORP.5.M2", "INF.10.M1", "INF.10.M3")
STANDARD = (
    *("CON.6.M4", "CON.6.M8", "CON.6.M13", "ORP.5.M4", "ORP.5.M5", "ORP.5.M8"),
    *("INF.10.M4", "INF.10.M5", "INF.10.M6", "INF.10.M7", "INF.10.M8"),
)
HIGH = ("CON.6.M14", "INF.10.M9")
RISK = dict(
    justification="cost out of proportion",
    approved_by="Linnapea",
    approval_date="2026-03-01",
    decision_ref="Korraldus nr 7",
    review_date="2027-03-01",
)
Q1 = datetime(2026, 2, 10, 9, tzinfo=UTC)
Q2 = datetime(2026, 5, 5, 9, tzinfo=UTC)
Q3 = datetime(2026, 8, 1, 9, tzinfo=UTC)
Q4 = datetime(2026, 10, 15, 9, tzinfo=UTC)


@pytest.fixture
def tartu(session: Session) -> m.Municipality:
    mu = munis.find_municipality(session, "Tartu linn")
    for code in munis.applicable_modules(session, mu) - set(KEEP):
        munis.set_module_applicability(session, mu, code, applicable=False, reason="test scope", actor="t")
    session.commit()
    assert munis.applicable_modules(session, mu) == set(KEEP)
    levels = dict(
        session.execute(
            select(m.Measure.code, m.Measure.level).where(
                m.Measure.edition_id == mu.edition_id,
                m.Measure.module_code.in_(KEEP),  # type: ignore[attr-defined]
            )
        ).all()
    )
    assert levels == {
        **dict.fromkeys(BASIC, "basic"),
        **dict.fromkeys(STANDARD, "standard"),
        **dict.fromkeys(HIGH, "high"),
    }
    return mu


def put(session: Session, mu: m.Municipality, codes: tuple[str, ...] | list[str], status: str, **kw: object) -> None:
    for code in codes:
        set_status(session, municipality=mu, measure_code=code, status=status, actor="t", **kw)  # type: ignore[arg-type]
    session.commit()


def of(session: Session, mu: m.Municipality, **kw: object) -> mat.Maturity:
    return mat.maturity_of(session, mu, **kw)  # type: ignore[arg-type]


# --- quarters ----------------------------------------------------------------------


def test_quarter_ends_at_midnight_tallinn_in_utc() -> None:
    assert mat.quarter_end("2026Q3") == datetime(2026, 9, 30, 21, tzinfo=UTC)  # EEST, UTC+3
    # Summer time starts on the last Sunday of March, so only the end of Q4 is in EET (UTC+2).
    assert mat.quarter_end("2026-Q1") == datetime(2026, 3, 31, 21, tzinfo=UTC)
    assert mat.quarter_end("2026q4") == datetime(2026, 12, 31, 22, tzinfo=UTC)
    assert mat.quarter_end(" 2025-Q2 ") == datetime(2025, 6, 30, 21, tzinfo=UTC)
    assert mat.quarter_of(datetime(2026, 9, 30, 20, 59, 59, tzinfo=UTC)) == "2026Q3"
    assert mat.quarter_of(datetime(2026, 9, 30, 21, tzinfo=UTC)) == "2026Q4"  # 00:00 on 1 October in Tallinn
    assert mat.quarter_of(datetime(2026, 1, 1)) == "2026Q1"  # naive is UTC: 02:00 in Tallinn
    assert mat.previous_quarter("2026Q1") == "2025Q4" and mat.previous_quarter("2026-Q3") == "2026Q2"
    assert mat.last_completed_quarter(datetime(2026, 11, 27, 12, tzinfo=UTC)) == "2026Q3"
    assert mat.last_completed_quarter(datetime(2026, 12, 31, 22, tzinfo=UTC)) == "2026Q4"
    # The same quarters as the demo data's.
    for label, _start, end in quarter_ends(date(2026, 11, 27)):
        assert mat.quarter_end(label) == end


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q1", "2026", "Q3 2026", "2026 Q3", "", "2026-03-31"])
def test_a_bad_quarter_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-Qn") as info:
        mat.quarter_end(bad)
    assert info.value.field == "quarter"
    with pytest.raises(ValidationError):
        mat.previous_quarter(bad)


# --- levels and thresholds -----------------------------------------------------------


def test_level_boundaries() -> None:
    level = mat.maturity_level
    assert [level(b, None) for b in (0.0, 0.2499, 0.25, 0.4999, 0.5, 0.7499, 0.75, 0.9999)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert level(1.0, None) == 4 and level(1.0, 0.99) == 4 and level(1.0, 1.0) == 5
    assert level(0.99, 1.0) == 3 and level(None, 1.0) == 0
    assert level(0.15, None, (0.1, 0.2, 0.3)) == 1 and level(0.3, None, (0.1, 0.2, 0.3)) == 3


def test_thresholds_are_a_validated_setting() -> None:
    assert load_settings().maturity_thresholds == DEFAULT_MATURITY_THRESHOLDS == mat.DEFAULT_THRESHOLDS
    assert load_settings(maturity_thresholds=(0.2, 0.4, 0.8)).maturity_thresholds == (0.2, 0.4, 0.8)
    for bad in ((0.5, 0.25, 0.75), (0.0, 0.5, 0.75), (0.25, 0.5, 1.0), (0.25, 0.25, 0.75)):
        with pytest.raises(ConfigError, match="maturity_thresholds"):
            load_settings(maturity_thresholds=bad)


def test_bad_thresholds_passed_to_the_model_are_refused(session: Session) -> None:
    with pytest.raises(ValidationError) as info:
        mat.maturity_all(session, thresholds=(0.5, 0.4, 0.9))
    assert info.value.field == "thresholds"


# --- current maturity ----------------------------------------------------------------


def test_nothing_assessed(session: Session, tartu: m.Municipality) -> None:
    got = of(session, tartu)
    assert (got.municipality_id, got.ehak_code, got.name, got.at) == (tartu.id, "0793", "Tartu linn", None)
    assert got.in_scope == {"basic": 8, "standard": 0, "high": 0}
    assert got.counts == {**dict.fromkeys(STATUSES, 0), "not_assessed": 8}
    assert (got.coverage, got.fulfilment, got.level) == (0.0, {"basic": 0.0, "standard": None, "high": None}, 0)


def test_fulfilment_coverage_and_level_boundaries(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC[:1], "implemented")
    put(session, tartu, BASIC[1:2], "partial")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 1.5 / 8 and got.coverage == 2 / 8 and got.level == 0  # 18.75 %: just under
    assert of(session, tartu, thresholds=(0.1, 0.15, 0.3)).level == 2
    rows = mat.dashboard_rows(session, thresholds=(0.1, 0.15, 0.3))
    assert next(r for r in rows if r.municipality_id == tartu.id).current.level == 2
    put(session, tartu, BASIC[1:2], "implemented")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 0.25 and got.level == 1  # exactly 25 %
    put(session, tartu, BASIC[2:4], "implemented")
    put(session, tartu, BASIC[4:7], "partial")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 5.5 / 8 and got.level == 2  # 68.75 %
    assert got.counts == {**dict.fromkeys(STATUSES, 0), "implemented": 4, "partial": 3, "not_assessed": 1}
    assert got.coverage == 7 / 8
    put(session, tartu, BASIC[4:5], "implemented")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 0.75 and got.level == 3
    put(session, tartu, BASIC[7:], "not_implemented")
    assert of(session, tartu).coverage == 1.0
    put(session, tartu, BASIC, "implemented")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 1.0 and got.fulfilment["standard"] is None and got.level == 4  # basic approach

    munis.set_approach(session, tartu, "standard")
    session.commit()
    put(session, tartu, STANDARD[:10], "implemented")
    got = of(session, tartu)
    assert got.in_scope == {"basic": 8, "standard": 11, "high": 0}
    assert got.fulfilment["standard"] == 10 / 11 and got.level == 4  # põhiturve, standard not yet complete
    assert got.coverage == 18 / 19
    put(session, tartu, STANDARD[10:], "implemented")
    got = of(session, tartu)
    assert got.fulfilment == {"basic": 1.0, "standard": 1.0, "high": None} and got.level == 5
    assert of(session, tartu, thresholds=(0.1, 0.2, 0.3)).level == 5


def test_exclusions_leave_the_denominator_and_are_counted(session: Session, tartu: m.Municipality) -> None:
    munis.set_approach(session, tartu, "standard")
    put(session, tartu, BASIC[:1], "not_applicable", justification="no such service")
    put(session, tartu, STANDARD[:1], "risk_accepted", **RISK)
    put(session, tartu, BASIC[1:3], "implemented")
    put(session, tartu, BASIC[3:4], "partial")
    put(session, tartu, STANDARD[1:2], "partial")
    got = of(session, tartu)
    assert got.in_scope == {"basic": 8, "standard": 11, "high": 0}
    assert got.counts == {
        "not_assessed": 19 - 6,
        "implemented": 2,
        "partial": 2,
        "not_implemented": 0,
        "not_applicable": 1,
        "risk_accepted": 1,
    }
    assert got.fulfilment["basic"] == 2.5 / 7  # 35.7 %: level 1
    assert got.fulfilment["standard"] == 0.5 / 10
    assert got.coverage == 6 / 19 and got.level == 1
    # Every basic measure either implemented or not applicable is 100 %.
    put(session, tartu, BASIC[1:], "implemented")
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 1.0 and got.level == 4


def test_high_measures_count_only_when_chosen(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC, "implemented")
    assert of(session, tartu).in_scope["high"] == 0
    put(session, tartu, HIGH[:1], "partial")
    got = of(session, tartu)
    assert got.in_scope == {"basic": 8, "standard": 0, "high": 1}
    assert got.fulfilment["high"] == 0.5 and got.counts["partial"] == 1 and got.level == 4
    # Set back to "not assessed", it is no longer chosen.
    put(session, tartu, HIGH[:1], "not_assessed")
    got = of(session, tartu)
    assert got.in_scope["high"] == 0 and got.fulfilment["high"] is None
    assert of(session, tartu, at=datetime(2100, 1, 1, tzinfo=UTC)).in_scope["high"] == 0


def test_approach_decides_whether_standard_measures_are_in_scope(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, STANDARD[:4], "implemented")
    got = of(session, tartu)
    assert got.in_scope["standard"] == 0 and got.counts["implemented"] == 0 and got.fulfilment["standard"] is None
    munis.set_approach(session, tartu, "standardturve")
    session.commit()
    got = of(session, tartu)
    assert got.in_scope["standard"] == 11 and got.counts["implemented"] == 4
    assert got.fulfilment["standard"] == 4 / 11 and got.level == 0  # basic is still 0 %


def test_an_excluded_module_takes_its_measures_out(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC, "implemented")
    put(session, tartu, HIGH[:1], "implemented")
    munis.set_module_applicability(session, tartu, "CON.6", applicable=False, reason="not ours", actor="t")
    session.commit()
    got = of(session, tartu)
    assert got.in_scope == {"basic": 4, "standard": 0, "high": 0} and got.counts["implemented"] == 4
    munis.set_module_applicability(session, tartu, "CON.6", applicable=True, reason="", actor="t")
    session.commit()
    assert of(session, tartu).in_scope == {"basic": 8, "standard": 0, "high": 1}


def test_system_module_rolls_up_over_the_targets_carrying_it(session: Session, tartu: m.Municipality) -> None:
    # Before any target carries INF.10, its measures apply to the whole organisation.
    put(session, tartu, ("INF.10.M1", "INF.10.M3"), "implemented")
    put(session, tartu, BASIC[:6], "implemented")
    assert of(session, tartu).fulfilment["basic"] == 1.0
    room_a = munis.add_target(session, tartu, "Serveriruum A", "room", ["INF.10"])
    room_b = munis.add_target(session, tartu, "Serveriruum B", "room", ["INF.10"])
    session.commit()
    # Now they apply to the two rooms only; the organisation's statuses no longer count.
    got = of(session, tartu)
    assert got.fulfilment["basic"] == 6 / 8 and got.counts["not_assessed"] == 2
    put(session, tartu, ("INF.10.M1",), "implemented", target=room_a.name)
    put(session, tartu, ("INF.10.M1",), "partial", target=room_b.name)
    put(session, tartu, ("INF.10.M3",), "implemented", target=room_a.name)
    got = of(session, tartu)
    # M1: implemented + partial -> partial; M3: room B not assessed -> not assessed.
    assert got.counts["partial"] == 1 and got.counts["not_assessed"] == 1
    assert got.fulfilment["basic"] == 6.5 / 8 and got.coverage == 7 / 8
    put(session, tartu, ("INF.10.M3",), "not_applicable", target=room_b.name, justification="no cabling")
    got = of(session, tartu)
    assert got.counts["implemented"] == 7 and got.fulfilment["basic"] == 7.5 / 8  # implemented + n/a -> implemented
    # A high measure chosen on one room is in scope, not assessed until the other room has it too.
    put(session, tartu, ("INF.10.M9",), "implemented", target=room_a.name)
    got = of(session, tartu)
    assert got.in_scope["high"] == 1 and got.fulfilment["high"] == 0.0 and got.counts["not_assessed"] == 1


def test_module_progress(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, ("CON.6.M1", "CON.6.M2"), "implemented")
    put(session, tartu, ("CON.6.M11",), "partial")
    put(session, tartu, ("CON.6.M14",), "implemented")
    put(session, tartu, ("ORP.5.M1",), "not_applicable", justification="no staff of our own")
    progress = mat.module_progress(session, tartu)
    assert set(progress) == set(KEEP)
    con = progress["CON.6"]
    assert (con.module_code, con.in_scope, con.fulfilment, con.coverage) == ("CON.6", 5, 3.5 / 5, 4 / 5)
    assert con.counts == {**dict.fromkeys(STATUSES, 0), "implemented": 3, "partial": 1, "not_assessed": 1}
    orp = progress["ORP.5"]
    assert (orp.in_scope, orp.fulfilment, orp.coverage, orp.counts["not_applicable"]) == (2, 0.0, 0.5, 1)
    inf = progress["INF.10"]
    assert (inf.in_scope, inf.fulfilment, inf.coverage) == (2, 0.0, 0.0)
    munis.set_module_applicability(session, tartu, "ORP.5", applicable=False, reason="x", actor="t")
    session.commit()
    assert set(mat.module_progress(session, tartu)) == {"CON.6", "INF.10"}


def test_maturity_all_covers_every_municipality_and_can_be_limited(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC[:2], "implemented")
    everyone = mat.maturity_all(session)
    assert len(everyone) == 79
    assert everyone[tartu.id].fulfilment["basic"] == 0.25  # type: ignore[index]
    others = [mid for mid in everyone if mid != tartu.id]
    assert all(everyone[mid].coverage == 0.0 and everyone[mid].level == 0 for mid in others)
    some = mat.maturity_all(session, municipality_ids=[tartu.id, others[0]])  # type: ignore[list-item]
    assert some == {tartu.id: everyone[tartu.id], others[0]: everyone[others[0]]}  # type: ignore[index]


# --- as of a past moment ---------------------------------------------------------------


def test_as_of_sees_only_what_was_recorded_by_then(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC[:4], "implemented", changed_at=Q1)
    put(session, tartu, BASIC[4:6], "partial", changed_at=Q2)
    put(session, tartu, BASIC[:2], "partial", changed_at=Q3)  # a lapse found at review
    put(session, tartu, BASIC[6:], "implemented", changed_at=Q3)
    q1, q2, q3 = (mat.quarter_end(q) for q in ("2026Q1", "2026Q2", "2026Q3"))
    before = of(session, tartu, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert before.coverage == 0.0 and before.level == 0
    at_q1 = of(session, tartu, at=q1)
    assert at_q1.at == q1 and at_q1.fulfilment["basic"] == 0.5 and at_q1.coverage == 0.5 and at_q1.level == 2
    at_q2 = of(session, tartu, at=q2)
    assert at_q2.fulfilment["basic"] == 5 / 8 and at_q2.counts["partial"] == 2
    at_q3 = of(session, tartu, at=q3)
    assert at_q3.fulfilment["basic"] == 6 / 8 and at_q3.counts["partial"] == 4 and at_q3.level == 3
    # Now and "as of" any later moment agree.
    assert dataclasses.replace(of(session, tartu, at=datetime(2100, 1, 1, tzinfo=UTC)), at=None) == of(session, tartu)
    # A change at exactly the quarter's end belongs to it; a second later does not.
    put(session, tartu, BASIC[7:], "not_implemented", changed_at=q3 + timedelta(seconds=1))
    assert of(session, tartu, at=q3) == at_q3
    put(session, tartu, BASIC[6:7], "not_implemented", changed_at=q3)
    assert of(session, tartu, at=q3).fulfilment["basic"] == 5 / 8


def test_a_past_report_does_not_change_afterwards(session: Session, tartu: m.Municipality) -> None:
    munis.set_approach(session, tartu, "standard")
    put(session, tartu, BASIC[:3], "implemented", changed_at=Q1)
    put(session, tartu, ("INF.10.M1",), "implemented", changed_at=Q1)  # on the whole organisation
    put(session, tartu, STANDARD[:2], "partial", changed_at=Q1)
    put(session, tartu, HIGH[:1], "partial", changed_at=Q1)
    q1 = mat.quarter_end("2026Q1")
    report = of(session, tartu, at=q1)
    assert report.in_scope == {"basic": 8, "standard": 11, "high": 1} and report.fulfilment["basic"] == 0.5
    put(session, tartu, BASIC, "implemented", changed_at=Q2)
    put(session, tartu, STANDARD[:1], "risk_accepted", changed_at=Q3, **RISK)
    put(session, tartu, HIGH, "implemented")  # now, by the clock
    put(session, tartu, BASIC[:1], "not_applicable", justification="moved to the county")
    # A room added later does not move INF.10's past statuses off the organisation.
    room = munis.add_target(session, tartu, "Serveriruum", "room", ["INF.10"])
    room.created_at = datetime(2026, 6, 1, tzinfo=UTC)
    session.commit()
    assert of(session, tartu, at=q1) == report
    assert of(session, tartu).fulfilment["basic"] != report.fulfilment["basic"]
    # After the room was added, INF.10 is the room's: its basic measures are not assessed there.
    assert of(session, tartu, at=mat.quarter_end("2026Q2")).fulfilment["basic"] == 6 / 8


def test_as_of_follows_the_edition_worked_on_at_the_time(session: Session) -> None:
    """Statuses before a move from 2023 to 2024 are read in 2023; removed measures leave with it."""
    old, new = find_edition(session, "2023"), find_edition(session, "2024")
    d = diff_editions(session, old, new)
    mu = munis.find_municipality(session, "Viljandi linn")
    mu.edition_id = old.id
    munis.set_approach(session, mu, "standard")
    session.commit()
    changed = {c.code for c in d.changed}
    unchanged = next(code for code in ("ISMS.1.M1", "ORP.4.M1") if code not in changed)
    flagged = next(c.code for c in d.changed if c.code.startswith(("ISMS", "ORP")))
    removed = d.removed[0].code
    for code in (unchanged, flagged, removed):
        munis.set_module_applicability(session, mu, code.rsplit(".M", 1)[0], applicable=True, reason="", actor="t")
    set_at = utcnow() - timedelta(days=120)  # the move happens now, by the clock
    put(session, mu, (unchanged,), "implemented", changed_at=set_at)
    put(session, mu, (flagged,), "partial", changed_at=set_at)
    put(session, mu, (removed,), "not_implemented", changed_at=set_at)
    before = of(session, mu, at=set_at + timedelta(days=1))
    assert (before.counts["implemented"], before.counts["partial"], before.counts["not_implemented"]) == (1, 1, 1)

    migrate_municipality(session, mu, new, actor="t", diff=d)
    session.commit()
    after = of(session, mu, at=utcnow() + timedelta(minutes=1))
    assert (after.counts["implemented"], after.counts["partial"], after.counts["not_implemented"]) == (1, 1, 0)
    assert dataclasses.replace(after, at=None) == of(session, mu)
    assert of(session, mu, at=set_at + timedelta(days=1)) == before  # still read in 2023

    # Were the municipality back on 2023 (forged: moving back is not supported) and the removed
    # measure set again later, then between the two its status is ended by the migration's
    # history row, although that row repeats the old status.
    session.execute(delete(m.EditionMigration).where(m.EditionMigration.municipality_id == mu.id))
    mu.edition_id = old.id
    session.commit()
    put(session, mu, (removed,), "implemented", changed_at=utcnow() + timedelta(hours=2))
    between = of(session, mu, at=utcnow() + timedelta(minutes=1))
    assert (between.counts["implemented"], between.counts["partial"], between.counts["not_implemented"]) == (1, 1, 0)
    later = of(session, mu, at=utcnow() + timedelta(hours=3))
    assert (later.counts["implemented"], later.counts["not_implemented"]) == (2, 0)
    assert of(session, mu, at=set_at + timedelta(days=1)).counts["not_implemented"] == 1


def test_two_live_rows_for_one_code_are_told_apart_by_the_history(session: Session, tartu: m.Municipality) -> None:
    """A municipality switched edition back and forth without a migration (forged) has two live rows
    for one code; the one changed last counts, whichever row is older."""
    y2023, y2024 = find_edition(session, "2023"), find_edition(session, "2024")
    put(session, tartu, ("CON.6.M1",), "implemented", changed_at=Q1)  # the 2024 row
    tartu.edition_id = y2023.id
    session.commit()
    put(session, tartu, ("CON.6.M1",), "partial", changed_at=Q2)  # a second row, for the 2023 measure
    tartu.edition_id = y2024.id
    session.commit()
    put(session, tartu, ("CON.6.M1",), "not_implemented", changed_at=Q3)  # the older row again
    counts = [of(session, tartu, at=mat.quarter_end(q)).counts for q in ("2026Q1", "2026Q2", "2026Q3")]
    assert [(c["implemented"], c["partial"], c["not_implemented"]) for c in counts] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert of(session, tartu).counts["not_implemented"] == 1
    # And the other way round: the newer row changed last.
    tartu.edition_id = y2023.id
    session.commit()
    put(session, tartu, ("CON.6.M1",), "implemented", changed_at=Q4)
    at_q4 = of(session, tartu, at=mat.quarter_end("2026Q4")).counts
    assert (at_q4["implemented"], at_q4["partial"], at_q4["not_implemented"]) == (1, 0, 0)


# --- dashboard -----------------------------------------------------------------------


def test_dashboard_rows_compare_with_the_last_completed_quarter(session: Session, tartu: m.Municipality) -> None:
    put(session, tartu, BASIC[:2], "implemented", changed_at=Q3)
    put(session, tartu, BASIC[2:6], "implemented", changed_at=Q4)
    rows = mat.dashboard_rows(session, now=datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert len(rows) == 79 and [r.name for r in rows] == sorted((r.name for r in rows), key=estonian_key)
    row = next(r for r in rows if r.municipality_id == tartu.id)
    assert (row.ehak_code, row.name, row.kind, row.county, row.approach) == (
        "0793",
        "Tartu linn",
        tartu.kind,
        tartu.county,
        "basic",
    )
    assert row.previous_quarter == "2026Q3" and row.previous is not None
    assert row.previous.at == mat.quarter_end("2026Q3") and row.current.at is None
    assert (row.previous.level, row.current.level) == (1, 3)
    assert row.delta_level == 2 and row.delta_basic == 0.5
    assert row.current == of(session, tartu)
    untouched = next(r for r in rows if r.municipality_id != tartu.id)
    assert untouched.previous is None and untouched.delta_level is None and untouched.delta_basic is None
    # In the first days of 2026Q4, the comparison is with the end of 2026Q3 as well.
    early = mat.dashboard_rows(session, now=datetime(2026, 9, 30, 21, tzinfo=UTC))
    assert {r.previous_quarter for r in early} == {"2026Q3"}
    july = mat.dashboard_rows(session, now=datetime(2026, 7, 15, tzinfo=UTC))
    assert next(r for r in july if r.municipality_id == tartu.id).previous is None  # nothing before Q3


# --- against an independent reading, on demo data --------------------------------------


def _reference(
    session: Session, mu: m.Municipality, at: datetime | None, thresholds: tuple[float, float, float]
) -> dict[str, object]:
    """The model worked out from status_overview (current) or a plain reading of the history (as of)."""
    rows = status_overview(session, mu)
    if at is not None:
        h = m.StatusHistory
        last: dict[tuple[int, str], str] = {}
        for tid, code, status, changes in session.execute(
            select(h.target_object_id, h.measure_code, h.new_status, h.changes)
            .where(h.municipality_id == mu.id, h.changed_at <= at)
            .order_by(h.changed_at, h.id)
        ).all():
            last[(tid, code)] = "not_assessed" if changes.get("archived") == [False, True] else status
        ids = {t.name: t.id for t in munis.targets(session, mu)}
        for r in rows:
            r.targets = {name: last.get((ids[name], r.code), "not_assessed") for name in r.targets}
            r.status = rollup(r.targets.values())
    levels = munis.APPROACHES[mu.approach]
    scope = [r for r in rows if r.level in levels or (r.level == "high" and set(r.targets.values()) - {"not_assessed"})]
    counts = {s: sum(r.status == s for r in scope) for s in STATUSES}
    fulfilment: dict[str, float | None] = {}
    for level in ("basic", "standard", "high"):
        mine = [r for r in scope if r.level == level and r.status not in ("not_applicable", "risk_accepted")]
        score = sum({"implemented": 1.0, "partial": 0.5}.get(r.status, 0.0) for r in mine)
        fulfilment[level] = score / len(mine) if mine else None
    b, s = fulfilment["basic"], fulfilment["standard"]
    if b is None:
        level_ = 0
    elif b == 1.0:
        level_ = 5 if s == 1.0 else 4
    else:
        level_ = sum(b >= t for t in thresholds)
    return {
        "in_scope": {lv: sum(r.level == lv for r in scope) for lv in ("basic", "standard", "high")},
        "counts": counts,
        "coverage": (len(scope) - counts["not_assessed"]) / len(scope) if scope else None,
        "fulfilment": fulfilment,
        "level": level_,
    }


def _fields(x: mat.Maturity) -> dict[str, object]:
    return {k: getattr(x, k) for k in ("in_scope", "counts", "coverage", "fulfilment", "level")}


def test_demo_data_agrees_with_an_independent_reading(session: Session) -> None:
    generate(session, seed=7, end=date(2026, 11, 27))
    session.commit()
    everyone = mat.maturity_all(session)
    q3 = mat.quarter_end("2026Q3")
    past = {q: mat.maturity_all(session, at=mat.quarter_end(q)) for q in ("2025Q2", "2025Q4", "2026Q3")}
    picked = [
        munis.find_municipality(session, q) for q in ("Tallinn", "Saaremaa vald", "Alutaguse vald", "Vormsi vald")
    ]
    assert {mu.approach for mu in picked} == {"basic", "standard"}
    for mu in picked:
        assert _fields(everyone[mu.id]) == _reference(session, mu, None, mat.DEFAULT_THRESHOLDS), mu.name  # type: ignore[index]
        for q, result in past.items():
            expected = _reference(session, mu, mat.quarter_end(q), mat.DEFAULT_THRESHOLDS)
            assert _fields(result[mu.id]) == expected, (mu.name, q)  # type: ignore[index]
    # Progress over the quarters: nobody's coverage goes down, most go up.
    assert all(past["2025Q4"][i].coverage <= everyone[i].coverage for i in everyone)  # type: ignore[operator]
    assert sum(past["2025Q2"][i].coverage < everyone[i].coverage for i in everyone) > 60  # type: ignore[operator]
    assert len({x.level for x in everyone.values()}) >= 3

    rows = mat.dashboard_rows(session, now=datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert [r.municipality_id for r in rows] == [
        mid for mid, _ in sorted(everyone.items(), key=lambda kv: estonian_key(kv[1].name))
    ]
    for r in rows:
        assert r.current == everyone[r.municipality_id]
        assert r.previous is None or r.previous == past["2026Q3"][r.municipality_id]
        assert r.previous is None or r.previous.at == q3
    assert sum(r.previous is not None for r in rows) > 70
    assert any(r.delta_level for r in rows) and all(
        r.delta_level == r.current.level - r.previous.level for r in rows if r.previous
    )


def test_dashboard_in_two_steps_equals_one(session) -> None:  # type: ignore[no-untyped-def]
    """The app shows current numbers first and the comparison after: together they equal dashboard_rows."""
    from datetime import UTC, date, datetime

    from eits_tracker.tracking.demo import generate
    from eits_tracker.tracking.maturity import dashboard_previous, dashboard_rows

    generate(session, seed=7, end=date(2026, 11, 27))
    session.commit()
    now = datetime(2026, 11, 27, 10, tzinfo=UTC)
    whole = dashboard_rows(session, now=now)
    first = dashboard_rows(session, now=now, previous=False)
    quarter, before = dashboard_previous(session, now=now)
    assert [r.current for r in first] == [r.current for r in whole]
    assert all(r.previous is None for r in first)
    assert quarter == whole[0].previous_quarter == "2026Q3"
    assert {r.municipality_id: r.previous for r in whole} == before
    assert any(v is not None for v in before.values())
