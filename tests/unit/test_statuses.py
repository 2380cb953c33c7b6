"""Status rules, history, version checks and the roll-up over target objects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.rollup import rollup
from eits_tracker.tracking.statuses import ConflictError, history, set_status, status_overview
from eits_tracker.tracking.vocab import parse_status

RISK = dict(
    justification="cost too high",
    approved_by="Vallavanem",
    approval_date="2026-10-01",
    decision_ref="Korraldus nr 12",
    review_date="2027-10-01",
)


def _counts(s: Session) -> tuple[int, int]:
    return (
        s.scalar(select(func.count()).select_from(m.MeasureStatus)) or 0,
        s.scalar(select(func.count()).select_from(m.StatusHistory)) or 0,
    )


def test_every_change_appends_history_with_old_and_new(session: Session) -> None:
    mu = munis.find_municipality(session, "0793")  # Tartu linn
    set_status(session, municipality=mu, measure_code="orp.4.m1", status="partial", actor="mari", owner="IT-juht")
    set_status(session, municipality=mu, measure_code="ORP.4.M1", status="rakendatud", actor="jaan", note="done")
    session.commit()
    rows = history(session, mu, "ORP.4.M1")
    assert [(h.old_status, h.new_status, h.changed_by) for h in rows] == [
        (None, "partial", "mari"),
        ("partial", "implemented", "jaan"),
    ]
    assert rows[0].changes == {"owner": ["", "IT-juht"]}
    assert rows[1].note == "done"
    same = set_status(session, municipality=mu, measure_code="ORP.4.M1", status="implemented", actor="jaan")
    assert same.history is None  # nothing changed, nothing recorded


def test_not_applicable_needs_a_justification(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    before = _counts(session)
    with pytest.raises(ValidationError, match="justification"):
        set_status(session, municipality=mu, measure_code="ORP.4.M1", status="not_applicable", actor="t")
    assert _counts(session) == before
    set_status(
        session, municipality=mu, measure_code="ORP.4.M1", status="ei kohaldu", actor="t", justification="no own staff"
    )


def test_risk_acceptance_needs_the_full_record_and_is_refused_for_basic(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    basic = session.scalars(
        select(m.Measure).where(m.Measure.level == "basic", m.Measure.edition_id == mu.edition_id)
    ).first()
    standard = session.scalars(
        select(m.Measure).where(m.Measure.level == "standard", m.Measure.edition_id == mu.edition_id)
    ).first()
    assert basic and standard
    with pytest.raises(ValidationError, match="approved_by"):
        set_status(
            session, municipality=mu, measure_code=standard.code, status="risk_accepted", actor="t", justification="x"
        )
    with pytest.raises(ValidationError, match="basic measure"):
        set_status(session, municipality=mu, measure_code=basic.code, status="risk_accepted", actor="t", **RISK)
    warned = set_status(
        session,
        municipality=mu,
        measure_code=basic.code,
        status="risk_accepted",
        actor="t",
        risk_acceptance_basic="warn",
        **RISK,
    )
    assert warned.warnings and "basic measure" in warned.warnings[0]
    ok = set_status(session, municipality=mu, measure_code=standard.code, status="risk_accepted", actor="t", **RISK)
    assert ok.row.decision_ref == "Korraldus nr 12" and str(ok.row.review_date) == "2027-10-01"


def test_concurrent_edit_is_refused_with_both_values(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    first = set_status(session, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="mari")
    read_version = first.row.version
    set_status(
        session,
        municipality=mu,
        measure_code="ORP.4.M1",
        status="implemented",
        actor="jaan",
        expected_version=read_version,
    )
    with pytest.raises(ConflictError, match="theirs is 'implemented', yours is 'not_implemented'"):
        set_status(
            session,
            municipality=mu,
            measure_code="ORP.4.M1",
            status="not_implemented",
            actor="mari",
            expected_version=read_version,
        )


def test_unknown_inputs_are_named(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    with pytest.raises(NotFoundError, match=r"ORP\.4\.M99"):
        set_status(session, municipality=mu, measure_code="ORP.4.M99", status="implemented", actor="t")
    with pytest.raises(ValidationError, match="unknown status 'done'"):
        set_status(session, municipality=mu, measure_code="ORP.4.M1", status="done", actor="t")
    with pytest.raises(ValidationError, match="due-date"):
        set_status(
            session, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="t", due_date="31.12.2026"
        )
    with pytest.raises(NotFoundError, match="did you mean: Tartu"):
        munis.find_municipality(session, "Tartuu")


def test_status_belongs_to_target_objects_and_rolls_up(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    module = "SYS.2.1"  # a system module: applies to target objects that carry it
    a = munis.add_target(session, mu, "Ametnike tööjaamad", "client_group", [module])
    munis.add_target(session, mu, "Raamatukogu tööjaamad", "client_group", [module])
    code = f"{module}.M1"
    set_status(session, municipality=mu, measure_code=code, status="implemented", actor="t", target=a.name)
    row = next(r for r in status_overview(session, mu, module=module) if r.code == code)
    assert row.status == "not_assessed"  # the library workstations are not assessed yet
    assert row.targets == {"Ametnike tööjaamad": "implemented", "Raamatukogu tööjaamad": "not_assessed"}
    set_status(session, municipality=mu, measure_code=code, status="partial", actor="t", target="raamatukogu tööjaamad")
    row = next(r for r in status_overview(session, mu, module=module) if r.code == code)
    assert row.status == "partial"
    with pytest.raises(ValidationError, match="does not apply"):
        set_status(session, municipality=mu, measure_code="ISMS.1.M1", status="implemented", actor="t", target=a.name)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], "not_assessed"),
        (["implemented", "not_assessed"], "not_assessed"),
        (["implemented", "implemented"], "implemented"),
        (["implemented", "not_applicable"], "implemented"),
        (["not_applicable", "not_applicable"], "not_applicable"),
        (["implemented", "partial"], "partial"),
        (["implemented", "not_implemented"], "partial"),
        (["not_implemented", "not_implemented"], "not_implemented"),
        (["implemented", "risk_accepted"], "risk_accepted"),
        (["not_implemented", "risk_accepted"], "not_implemented"),
    ],
)
def test_rollup(values: list[str], expected: str) -> None:
    assert rollup(values) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("R", "implemented"),
        ("osaliselt rakendatud", "partial"),
        ("Rakendamata", "not_implemented"),
        ("risk aktsepteeritud", "risk_accepted"),
        ("not-applicable", "not_applicable"),
        ("HINDAMATA", "not_assessed"),
    ],
)
def test_status_names_in_both_languages(text: str, key: str) -> None:
    assert parse_status(text) == key


def test_applicable_modules_follow_the_kov_profile_with_overrides(session: Session) -> None:
    mu = munis.find_municipality(session, "Tallinn")
    base = munis.applicable_modules(session, mu)
    assert len(base) == 83 or len(base) > 70  # KOV profile modules carried into 2024
    with pytest.raises(ValidationError, match="reason"):
        munis.set_module_applicability(session, mu, "ISMS.1", applicable=False, reason=" ", actor="t")
    munis.set_module_applicability(session, mu, "ISMS.1", applicable=False, reason="tested", actor="t")
    extra = next(code for code in ("IND.2.1", "IND.1", "APP.7") if code not in base)
    munis.set_module_applicability(session, mu, extra, applicable=True, reason="", actor="t")
    now = munis.applicable_modules(session, mu)
    assert "ISMS.1" not in now and extra in now


def test_approach_changed_meanwhile_is_refused(session: Session) -> None:
    from eits_tracker.tracking.municipalities import find_municipality, set_approach

    mu = find_municipality(session, "Kihnu vald")
    seen = mu.approach
    set_approach(session, mu, "standard" if seen == "basic" else "basic")  # someone else, first
    session.commit()
    with pytest.raises(ValidationError, match="changed meanwhile"):
        set_approach(session, mu, "standard" if seen == "basic" else "basic", expected=seen)
    assert set_approach(session, mu, seen, expected=mu.approach).approach == seen


def test_scope_changed_meanwhile_is_refused(session: Session) -> None:
    from eits_tracker.tracking.municipalities import find_municipality, set_module_applicability

    mu = find_municipality(session, "Kihnu vald")
    assert "ORP.4" in munis.applicable_modules(session, mu)
    set_module_applicability(session, mu, "ORP.4", applicable=False, reason="teine kasutaja", actor="other")
    session.commit()
    with pytest.raises(ValidationError, match="excluded from the scope of Kihnu vald meanwhile by other"):
        set_module_applicability(session, mu, "ORP.4", applicable=False, reason="mina", actor="me", expected=True)
    row = set_module_applicability(session, mu, "ORP.4", applicable=True, reason="", actor="me", expected=False)
    assert row.applicable and row.changed_by == "me"
