"""The mentor network from the outside: people, assignments, sessions, follow-ups, drafts, session files.

Expectations are derived from the scenario (dates, codes, target objects), not from the helpers the
code uses. Times are Tallinn-local where a person would type them; ``now`` is always fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import ImportFileError, NotFoundError, ValidationError
from eits_tracker.mentoring.assignments import (
    assign,
    find_assignment,
    focus_modules,
    list_assignments,
    mentors_by_municipality,
)
from eits_tracker.mentoring.drafts import discard_draft, list_drafts, load_draft, save_draft
from eits_tracker.mentoring.followups import close_followup, list_followups, overdue_by_municipality
from eits_tracker.mentoring.people import add_person, find_person, list_people, person_for_login
from eits_tracker.mentoring.sessionfile import parse_session_text, read_session_file, session_template
from eits_tracker.mentoring.sessions import (
    AgreedChange,
    Closing,
    NewFollowUp,
    SessionInput,
    SessionInputError,
    list_sessions,
    participants_seen,
    record_session,
    session_detail,
)
from eits_tracker.timeutil import parse_local_datetime
from eits_tracker.tracking import municipalities as munis

TLN = ZoneInfo("Europe/Tallinn")
#: After the whole Kihnu assignment (2026-09-01 … 2026-12-31), so no session in it is "in the future".
NOW = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
SEP1, DEC31 = date(2026, 9, 1), date(2026, 12, 31)


def tln(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TLN)


def utc(value: datetime) -> datetime:
    """Compare instants whatever zone the database hands back."""
    return value.astimezone(UTC)


# --- the network every test starts from -----------------------------------------------


@dataclass
class Net:
    kadri: m.Person  # mentor from Tartu, login "kadri", mentors Kihnu from 1 Sept to 31 Dec 2026
    jaan: m.Person  # mentor (and specialist) from Võru, no assignment yet
    mari: m.Person  # Kihnu's contact person, not a mentor
    kihnu: m.Municipality
    ruhnu: m.Municipality
    tartu: m.Municipality
    a_kihnu: m.Assignment


@pytest.fixture
def net(session: Session) -> Net:
    kihnu = munis.find_municipality(session, "Kihnu vald")
    ruhnu = munis.find_municipality(session, "Ruhnu vald")
    tartu = munis.find_municipality(session, "0793")
    kadri = add_person(
        session,
        name="  Kadri   Tamm ",
        email=" Kadri.Tamm@Tartu.EE ",
        municipality="Tartu linn",
        roles=["mentor"],
        expertise=["orp", "con.3", "ORP"],
        login="kadri",
    )
    jaan = add_person(
        session, name="Jaan Mets", email="jaan.mets@voru.ee", municipality="Võru linn", roles=["mentor", "spetsialist"]
    )
    mari = add_person(session, name="Mari Maasikas", email="mari@kihnu.ee", municipality="Kihnu", roles=["kontaktisik"])
    a = assign(
        session,
        mentor=kadri,
        municipality=kihnu,
        start=SEP1,
        end=DEC31,
        focus=["orp.4", " CON.3 "],
        goal="ISMS käima",
        actor="koordinaator",
    )
    session.commit()
    return Net(kadri, jaan, mari, kihnu, ruhnu, tartu, a)


def kihnu_input(**overrides: Any) -> SessionInput:
    values: dict[str, Any] = dict(
        municipality="Kihnu vald", held_at=tln(2026, 11, 27), duration_minutes=90, format="video"
    )
    values.update(overrides)
    return SessionInput(**values)


def record(session: Session, data: SessionInput, *, actor: str = "kadri", now: datetime = NOW):  # type: ignore[no-untyped-def]
    return record_session(session, data, actor=actor, now=now)


def _snapshot(s: Session) -> tuple[Any, ...]:
    counts = tuple(
        s.scalar(select(func.count()).select_from(t)) or 0
        for t in (m.MentorSession, m.FollowUp, m.StatusHistory, m.MeasureStatus)
    )
    followups = [tuple(r) for r in s.execute(select(m.FollowUp.id, m.FollowUp.state, m.FollowUp.version)).all()]
    statuses = [tuple(r) for r in s.execute(select(m.MeasureStatus.id, m.MeasureStatus.status)).all()]
    return counts, sorted(followups), sorted(statuses)


def refused(s: Session, data: SessionInput, *, actor: str = "kadri", now: datetime = NOW) -> list[str]:
    """Record, expect one SessionInputError, roll back as callers do; nothing may have been written."""
    before = _snapshot(s)
    with pytest.raises(SessionInputError) as info:
        record_session(s, data, actor=actor, now=now)
    assert _snapshot(s) == before  # not even flushed inside the transaction
    s.rollback()
    assert _snapshot(s) == before
    assert f"{len(info.value.problems)} problem(s), nothing was saved" in info.value.message
    return info.value.problems


def fields_of(problems: list[str]) -> list[str]:
    return [p.split(":", 1)[0] for p in problems]


def _history(s: Session, session_id: int) -> list[m.StatusHistory]:
    return list(
        s.scalars(select(m.StatusHistory).where(m.StatusHistory.session_id == session_id).order_by(m.StatusHistory.id))
    )


def _status(s: Session, muni: m.Municipality, code: str) -> dict[str, str]:
    """{target object name: status} of one measure in a municipality."""
    rows = s.execute(
        select(m.TargetObject.name, m.MeasureStatus.status)
        .join(m.MeasureStatus, m.MeasureStatus.target_object_id == m.TargetObject.id)
        .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
        .where(m.TargetObject.municipality_id == muni.id, m.Measure.code == code)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


# --- people -----------------------------------------------------------------------------


def test_add_person_normalises_what_was_typed(net: Net) -> None:
    k = net.kadri
    assert (k.name, k.email, k.login) == ("Kadri Tamm", "kadri.tamm@tartu.ee", "kadri")
    assert k.municipality_id == net.tartu.id
    assert k.expertise == ["ORP", "CON.3"]
    assert net.mari.roles == ["contact"]
    assert net.jaan.roles == ["mentor", "specialist"]


def test_find_person_by_id_email_login_and_name(session: Session, net: Net) -> None:
    k = net.kadri
    for ref in (k.id, str(k.id), f"#{k.id}", "KADRI.TAMM@tartu.ee", "kadri", "kadri tamm", "TAMM", "Käḍri"):
        assert find_person(session, ref).id == k.id, ref
    assert find_person(session, "jaan", role="mentor").id == net.jaan.id
    with pytest.raises(ValidationError, match="not a mentor"):
        find_person(session, "Mari", role="mentor")
    with pytest.raises(NotFoundError):
        find_person(session, "Nobody Known")
    add_person(session, name="Kalle Tamm", email="kalle@kihnu.ee", roles=["specialist"])
    with pytest.raises(ValidationError, match="several people"):
        find_person(session, "tamm")
    assert find_person(session, "kalle tamm").email == "kalle@kihnu.ee"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(name="Kadri Teine", email="KADRI.TAMM@TARTU.EE"), "email"),  # duplicate, other case
        (dict(name="X", email="no-at-sign.ee"), "email"),
        (dict(name="X", email="two@@example.ee"), "email"),
        (dict(name="X", email="x@localhost"), "email"),
        (dict(name="X", email="with space@example.ee"), "email"),
        (dict(name="X", email="x@example.ee", roles=["contact"]), "municipality"),
        (dict(name="X", email="x@example.ee", expertise=["ORP", "XYZ.9"]), "expertise"),
        (dict(name="X", email="x@example.ee", roles=["wizard"]), "role"),
        (dict(name="X", email="x@example.ee", roles=[]), "role"),
        (dict(name="   ", email="x@example.ee"), "name"),
        (dict(name="X", email="x@example.ee", login="kadri"), "login"),
    ],
)
def test_add_person_refuses(session: Session, net: Net, kwargs: dict[str, Any], field: str) -> None:
    before = session.scalar(select(func.count()).select_from(m.Person))
    with pytest.raises(ValidationError) as info:
        add_person(session, **kwargs)
    assert info.value.field == field
    assert session.scalar(select(func.count()).select_from(m.Person)) == before


def test_add_person_accepts_layers_and_modules_as_expertise(session: Session) -> None:
    p = add_person(session, name="Ott", email="ott@example.ee", expertise=["ops", "SYS.2.5", "isms.1"])
    assert p.expertise == ["OPS", "SYS.2.5", "ISMS.1"]


def test_person_for_login(session: Session, net: Net) -> None:
    assert person_for_login(session, "kadri").id == net.kadri.id  # type: ignore[union-attr]
    assert person_for_login(session, "Jaan.Mets@voru.ee").id == net.jaan.id  # type: ignore[union-attr]
    assert person_for_login(session, "stranger") is None
    assert person_for_login(session, "") is None


def test_list_people_in_estonian_order_with_active_mentees(session: Session, net: Net) -> None:
    for name in ("Ülle Uus", "Õie Org", "Zoja Zeb", "Tõnu Tali"):
        add_person(session, name=name, email=f"{name.split()[1].lower()}@example.ee", roles=["specialist"])
    assign(session, mentor=net.kadri, municipality=net.ruhnu, start=date(2027, 1, 1), end=date(2027, 6, 30), actor="k")
    session.commit()
    names = [p.name for p in list_people(session, role="spetsialist")]
    assert names == ["Jaan Mets", "Zoja Zeb", "Tõnu Tali", "Õie Org", "Ülle Uus"]  # z after s, õäöü after w
    by_name = {p.name: p for p in list_people(session, today=date(2026, 12, 31))}
    assert by_name["Kadri Tamm"].active_mentees == ["Kihnu vald"]
    assert by_name["Kadri Tamm"].municipality == "Tartu linn"
    assert by_name["Zoja Zeb"].municipality == ""
    assert by_name["Jaan Mets"].active_mentees == []
    assert {p.name: p for p in list_people(session, today=date(2027, 1, 1))}["Kadri Tamm"].active_mentees == [
        "Ruhnu vald"
    ]
    assert [p.name for p in list_people(session, role="contact")] == ["Mari Maasikas"]


# --- assignments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "where", "start", "end", "focus", "field"),
    [
        ("kadri", "ruhnu", date(2026, 10, 1), date(2026, 9, 30), [], "end"),  # reversed
        ("mari", "ruhnu", SEP1, DEC31, [], "mentor"),  # a contact, not a mentor
        ("kadri", "tartu", SEP1, DEC31, [], "municipality"),  # her own home
        ("kadri", "ruhnu", SEP1, DEC31, ["SYS.2.1", "ORP.99"], "focus"),
        ("kadri", "kihnu", date(2026, 12, 31), date(2027, 3, 31), [], "start"),  # touches the last day
        ("kadri", "kihnu", date(2026, 6, 1), date(2026, 9, 1), [], "start"),  # touches the first day
        ("kadri", "kihnu", date(2026, 10, 1), date(2026, 10, 31), [], "start"),  # inside
        ("kadri", "kihnu", date(2026, 1, 1), date(2027, 12, 31), [], "start"),  # around
        ("kadri", "kihnu", SEP1, DEC31, [], "start"),  # the same
    ],
)
def test_assign_refuses(
    session: Session, net: Net, who: str, where: str, start: date, end: date, focus: list[str], field: str
) -> None:
    before = session.scalar(select(func.count()).select_from(m.Assignment))
    with pytest.raises(ValidationError) as info:
        assign(
            session,
            mentor=getattr(net, who),
            municipality=getattr(net, where),
            start=start,
            end=end,
            focus=focus,
            actor="k",
        )
    assert info.value.field == field
    if focus:
        assert "ORP.99" in info.value.message and "SYS.2.1" not in info.value.message
    assert session.scalar(select(func.count()).select_from(m.Assignment)) == before


def test_assign_accepts_adjacent_periods_and_a_second_mentor(session: Session, net: Net) -> None:
    after = assign(
        session, mentor=net.kadri, municipality=net.kihnu, start=date(2027, 1, 1), end=date(2027, 6, 30), actor="k"
    )
    before = assign(
        session, mentor=net.kadri, municipality=net.kihnu, start=date(2026, 3, 1), end=date(2026, 8, 31), actor="k"
    )
    second = assign(
        session, mentor=net.jaan, municipality=net.kihnu, start=SEP1, end=DEC31, focus=["sys.2.5"], actor="k"
    )
    elsewhere = assign(session, mentor=net.kadri, municipality=net.ruhnu, start=SEP1, end=DEC31, actor="k")
    session.commit()
    assert second.focus_modules == ["SYS.2.5"]  # a module only in the 2024 edition, Kihnu's
    assert net.a_kihnu.focus_modules == ["ORP.4", "CON.3"]
    assert (net.a_kihnu.goal, net.a_kihnu.created_by) == ("ISMS käima", "koordinaator")
    rows = list_assignments(session, municipality_id=net.kihnu.id)
    # newest start first within the mentee; the same start: mentors by name (Jaan before Kadri)
    assert [r.id for r in rows] == [after.id, second.id, net.a_kihnu.id, before.id]
    assert [r.id for r in list_assignments(session, mentor_id=net.kadri.id, active_on=date(2026, 12, 31))] == [
        net.a_kihnu.id,
        elsewhere.id,
    ]  # Kihnu before Ruhnu
    assert list_assignments(session, active_on=date(2026, 8, 31))[0].id == before.id


def test_focus_modules_of_the_municipalitys_edition(session: Session, net: Net) -> None:
    assert focus_modules(session, net.kihnu, ["con.3", "", " ORP.4 ", "CON.3"]) == ["CON.3", "ORP.4"]
    with pytest.raises(ValidationError) as info:
        focus_modules(session, net.kihnu, ["ORP.4", "ORP.4.M1"], field="modules")
    assert info.value.field == "modules" and "ORP.4.M1" in info.value.message


def test_mentors_by_municipality_counts_only_active_assignments(session: Session, net: Net) -> None:
    assign(session, mentor=net.jaan, municipality=net.kihnu, start=date(2026, 12, 1), end=date(2027, 2, 28), actor="k")
    assign(session, mentor=net.jaan, municipality=net.ruhnu, start=date(2026, 1, 1), end=date(2026, 8, 31), actor="k")
    session.commit()
    assert mentors_by_municipality(session, today=date(2026, 8, 31)) == {net.ruhnu.id: ["Jaan Mets"]}
    assert mentors_by_municipality(session, today=SEP1) == {net.kihnu.id: ["Kadri Tamm"]}
    assert mentors_by_municipality(session, today=DEC31) == {net.kihnu.id: ["Jaan Mets", "Kadri Tamm"]}
    assert mentors_by_municipality(session, today=date(2027, 1, 1)) == {net.kihnu.id: ["Jaan Mets"]}
    assert mentors_by_municipality(session, today=date(2027, 3, 1)) == {}


def test_find_assignment_with_two_mentors(session: Session, net: Net) -> None:
    jaans = assign(
        session, mentor=net.jaan, municipality=net.kihnu, start=date(2026, 10, 1), end=date(2027, 3, 31), actor="k"
    )
    session.commit()
    # only Kadri in September; both in November; only Jaan in January
    assert find_assignment(session, mentor=None, municipality=net.kihnu, when=tln(2026, 9, 15)).id == net.a_kihnu.id
    assert find_assignment(session, mentor=None, municipality=net.kihnu, when=tln(2027, 1, 15)).id == jaans.id
    with pytest.raises(ValidationError) as info:
        find_assignment(session, mentor=None, municipality=net.kihnu, when=tln(2026, 11, 27))
    assert info.value.field == "mentor"
    assert find_assignment(session, mentor=net.jaan, municipality=net.kihnu, when=tln(2026, 11, 27)).id == jaans.id
    assert (
        find_assignment(session, mentor=net.kadri, municipality=net.kihnu, when=tln(2026, 11, 27)).id == net.a_kihnu.id
    )
    with pytest.raises(ValidationError) as info:
        find_assignment(session, mentor=net.kadri, municipality=net.kihnu, when=tln(2027, 1, 15))
    assert info.value.field == "held_at" and "2026-09-01" in info.value.message
    with pytest.raises(ValidationError, match="there is none"):
        find_assignment(session, mentor=None, municipality=net.ruhnu, when=tln(2026, 11, 27))


# --- sessions: refusals -------------------------------------------------------------------


@pytest.mark.parametrize("by_id", [False, True], ids=["found", "by-id"])
@pytest.mark.parametrize(
    ("held_at", "inside"),
    [
        (tln(2026, 9, 1, 0, 30), True),  # 31 Aug 21:30 UTC, but 1 Sept in Tallinn
        (tln(2026, 8, 31, 23, 30), False),
        (tln(2026, 12, 31, 23, 30), True),
        (tln(2027, 1, 1, 0, 30), False),  # still 31 Dec in UTC
        (tln(2026, 6, 1), False),
        (tln(2027, 1, 10), False),
    ],
)
def test_session_must_fall_in_its_assignment_by_tallinn_date(
    session: Session, net: Net, held_at: datetime, inside: bool, by_id: bool
) -> None:
    data = kihnu_input(held_at=held_at, assignment_id=net.a_kihnu.id if by_id else None)
    if inside:
        rec = record(session, data)
        assert rec.session.assignment_id == net.a_kihnu.id
        assert utc(rec.session.held_at) == utc(held_at)
    else:
        assert fields_of(refused(session, data)) == ["held_at"]


def test_session_in_the_future_is_refused(session: Session, net: Net) -> None:
    now = tln(2026, 11, 27, 9, 0)
    problems = refused(session, kihnu_input(held_at=tln(2026, 11, 27, 10, 0)), now=now)
    assert fields_of(problems) == ["held_at"] and "future" in problems[0]
    assert record(session, kihnu_input(held_at=now), now=now).session.id


@pytest.mark.parametrize("minutes", [None, 0, -30, 100_000])
def test_duration_must_be_plausible(session: Session, net: Net, minutes: int | None) -> None:
    assert fields_of(refused(session, kihnu_input(duration_minutes=minutes))) == ["duration"]


@pytest.mark.parametrize(("typed", "key"), [("kohapeal", "on_site"), ("Teams", "video"), ("TELEFON", "phone")])
def test_format_aliases(session: Session, net: Net, typed: str, key: str) -> None:
    assert record(session, kihnu_input(format=typed)).session.format == key


def test_unknown_format_is_refused(session: Session, net: Net) -> None:
    problems = refused(session, kihnu_input(format="tuvipost"))
    assert fields_of(problems) == ["format"] and "tuvipost" in problems[0]


def test_unknown_measures_modules_and_statuses_are_refused(session: Session, net: Net) -> None:
    data = kihnu_input(
        modules=["ORP.4", "XYZ.1"],
        measures=["ORP.4.M2", "ORP.4.M999", "INF.9.M2"],  # INF.9.M2 exists only in E-ITS 2023
        changes=[
            AgreedChange("CON.3.M1", "implemented"),
            AgreedChange("NOPE.1.M1", "implemented"),
            AgreedChange("ORP.4.M2", "half done"),
        ],
    )
    problems = refused(session, data)
    assert fields_of(problems) == ["modules", "measures", "changes", "changes[3] (ORP.4.M2)"]
    assert "ORP.4.M999" in problems[1] and "INF.9.M2" in problems[1] and "ORP.4.M2" not in problems[1]
    assert "NOPE.1.M1" in problems[2] and "CON.3.M1" not in problems[2]
    assert "half done" in problems[3]


def test_a_measure_changed_twice_is_refused(session: Session, net: Net) -> None:
    data = kihnu_input(changes=[AgreedChange("orp.4.m1", "implemented"), AgreedChange("ORP.4.M1 ", "partial")])
    problems = refused(session, data)
    assert fields_of(problems) == ["changes"] and "ORP.4.M1" in problems[0]


def test_followup_problems(session: Session, net: Net) -> None:
    day = tln(2026, 12, 1, 0, 30)  # 30 Nov in UTC, 1 Dec in Tallinn
    data = kihnu_input(
        held_at=day,
        followups=[
            NewFollowUp("Kirjutada plaan", None),
            NewFollowUp("Varundus", date(2026, 11, 30)),  # before the (Tallinn) session day
            NewFollowUp("Koolitus", date(2027, 1, 31), measure="ORP.3.M999"),
            NewFollowUp("  ", date(2027, 1, 31)),
            NewFollowUp("Sama päev", date(2026, 12, 1)),  # fine
        ],
    )
    problems = refused(session, data)
    assert fields_of(problems) == ["followups[1]", "followups[2]", "followups[3]", "followups[4]"]
    assert "2026-11-30" in problems[1] and "ORP.3.M999" in problems[2]


def test_closing_problems(session: Session, net: Net) -> None:
    assign(session, mentor=net.kadri, municipality=net.ruhnu, start=SEP1, end=DEC31, actor="k")
    first = record(
        session,
        kihnu_input(
            held_at=tln(2026, 10, 1),
            followups=[NewFollowUp(d, date(2026, 12, 1)) for d in ("a", "b", "c", "d")],
        ),
    )
    a, b, c, _d = (f.id for f in first.followups)
    ruhnu = record(
        session,
        kihnu_input(municipality="Ruhnu", held_at=tln(2026, 10, 2), followups=[NewFollowUp("r", date(2026, 12, 1))]),
    )
    close_followup(session, c, state="done", actor="kadri", now=NOW)
    session.commit()
    data = kihnu_input(
        closings=[
            Closing(a, "done"),  # valid on its own: must stay open since the whole session is refused
            Closing(ruhnu.followups[0].id, "done"),  # Ruhnu's
            Closing(999_999, "done"),
            Closing(c, "done"),  # already done
            Closing(b, "dropped", "  "),  # no reason
            Closing(_d, "forgotten"),
        ]
    )
    problems = refused(session, data)
    assert fields_of(problems) == ["closings"] * 5
    assert str(ruhnu.followups[0].id) in problems[0] and "999999" in problems[1]
    assert "already done" in problems[2] and "say why" in problems[3] and "forgotten" in problems[4]
    assert session.get(m.FollowUp, a).state == "open"  # type: ignore[union-attr]


def test_every_problem_is_reported_at_once(session: Session, net: Net) -> None:
    data = kihnu_input(
        held_at=None,
        duration_minutes=0,
        format="fax",
        measures=["ORP.4.M999"],
        followups=[NewFollowUp("x", None)],
        changes=[AgreedChange("ORP.4.M1", "implemented")],
    )
    problems = refused(session, data)
    assert fields_of(problems) == ["held_at", "duration", "format", "measures", "followups[1]"]


@pytest.mark.parametrize(
    ("overrides", "actor", "field"),
    [
        (dict(municipality="Atlantis"), "kadri", "municipality"),
        (dict(mentor="mari@kihnu.ee"), "kadri", "mentor"),  # not a mentor
        (dict(mentor="nobody@example.ee"), "kadri", "mentor"),
        (dict(mentor="jaan.mets@voru.ee"), "kadri", "held_at"),  # Jaan has no assignment to Kihnu
        (dict(municipality="Ruhnu"), "koordinaator", "held_at"),  # nobody mentors Ruhnu
        (dict(mentor="jaan"), "kadri", "held_at"),
    ],
)
def test_who_and_where_problems(session: Session, net: Net, overrides: dict[str, Any], actor: str, field: str) -> None:
    assert fields_of(refused(session, kihnu_input(**overrides), actor=actor)) == [field]


def test_assignment_given_by_id_must_be_of_the_municipality_and_mentor(session: Session, net: Net) -> None:
    ruhnu = assign(session, mentor=net.jaan, municipality=net.ruhnu, start=SEP1, end=DEC31, actor="k")
    session.commit()
    assert fields_of(refused(session, kihnu_input(assignment_id=ruhnu.id))) == ["assignment"]
    problems = refused(session, kihnu_input(assignment_id=net.a_kihnu.id, mentor="jaan"))
    assert fields_of(problems) == ["mentor"]


def test_two_mentors_need_the_mentor_named(session: Session, net: Net) -> None:
    assign(session, mentor=net.jaan, municipality=net.kihnu, start=SEP1, end=DEC31, actor="k")
    session.commit()
    assert fields_of(refused(session, kihnu_input(), actor="koordinaator")) == ["mentor"]
    assert record(session, kihnu_input(), actor="kadri").session.mentor_id == net.kadri.id  # the recording mentor
    rec = record(session, kihnu_input(mentor="Jaan Mets", held_at=tln(2026, 11, 28)), actor="koordinaator")
    assert rec.session.mentor_id == net.jaan.id


def test_not_applicable_change_without_justification_is_reported_with_the_rest(session: Session, net: Net) -> None:
    problems = refused(session, kihnu_input(duration_minutes=0, changes=[AgreedChange("ORP.4.M1", "not_applicable")]))
    assert len(problems) == 2 and any("justification" in p for p in problems)
    refused(session, kihnu_input(changes=[AgreedChange("ORP.4.M1", "ei kohaldu")]))


def test_the_same_followup_closed_twice_in_one_session_is_refused(session: Session, net: Net) -> None:
    first = record(session, kihnu_input(held_at=tln(2026, 10, 1), followups=[NewFollowUp("a", date(2026, 12, 1))]))
    session.commit()
    fid = first.followups[0].id
    data = kihnu_input(closings=[Closing(fid, "done"), Closing(fid, "dropped", "teenus kaob")])
    assert fields_of(refused(session, data)) == ["closings"]


def test_agreed_changes_are_stamped_with_the_sessions_now(session: Session, net: Net) -> None:
    rec = record(session, kihnu_input(changes=[AgreedChange("ORP.4.M3", "implemented")]))
    session.commit()
    (h,) = _history(session, rec.session.id)  # type: ignore[arg-type]
    assert utc(h.changed_at) == NOW == utc(rec.session.recorded_at)


# --- sessions: recorded ------------------------------------------------------------------


def test_recorded_session_applies_agreed_changes_on_every_target(session: Session, net: Net) -> None:
    for name in ("Vallamaja tööjaamad", "Kooli tööjaamad"):
        munis.add_target(session, net.kihnu, name, "client_group", ["SYS.2.1"])
    session.commit()
    data = kihnu_input(
        held_at=tln(2026, 11, 27, 10, 0),
        format="videokõne",
        participants=[" Mari Maasikas ", "", "Jüri Juurikas"],
        modules=["orp.4", "sys.2.1"],
        measures=["con.3.m2", "ORP.4.M1"],
        notes="  ## Arutatud\nVarundus.  ",
        changes=[
            AgreedChange("orp.4.m1", "rakendatud", note="kord kinnitatud"),
            AgreedChange("SYS.2.1.M1", "O"),
        ],
        followups=[NewFollowUp(" Kirjutada varundusplaan ", date(2026, 12, 31), measure="con.3.m1", owner=" IT-juht ")],
    )
    rec = record(session, data)
    session.commit()
    s = rec.session
    assert (s.municipality_id, s.mentor_id, s.assignment_id) == (net.kihnu.id, net.kadri.id, net.a_kihnu.id)
    assert utc(s.held_at) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # Tallinn is UTC+2 in November
    assert (s.duration_minutes, s.format, s.recorded_by) == (90, "video", "kadri")
    assert utc(s.recorded_at) == NOW
    assert s.participants == ["Mari Maasikas", "Jüri Juurikas"]
    assert s.modules == ["ORP.4", "SYS.2.1"]
    assert sorted(s.measures) == ["CON.3.M1", "CON.3.M2", "ORP.4.M1", "SYS.2.1.M1"]
    assert len(s.measures) == 4
    assert s.notes.strip() == "## Arutatud\nVarundus."

    # ORP.4 is a process module: the whole organisation; SYS.2.1 goes to both workstation groups
    assert _status(session, net.kihnu, "ORP.4.M1") == {"Kogu organisatsioon": "implemented"}
    assert _status(session, net.kihnu, "SYS.2.1.M1") == {"Vallamaja tööjaamad": "partial", "Kooli tööjaamad": "partial"}
    assert _status(session, net.kihnu, "CON.3.M2") == {}  # only discussed
    hist = _history(session, s.id)  # type: ignore[arg-type]
    assert rec.changes == 3 == len(hist)
    assert {(h.measure_code, h.new_status, h.source, h.changed_by) for h in hist} == {
        ("ORP.4.M1", "implemented", "session", "kadri"),
        ("SYS.2.1.M1", "partial", "session", "kadri"),
    }
    assert [h.note for h in hist if h.measure_code == "ORP.4.M1"] == ["kord kinnitatud"]
    assert all(h.municipality_id == net.kihnu.id and h.old_status is None for h in hist)

    (fu,) = rec.followups
    assert (fu.municipality_id, fu.session_id, fu.state) == (net.kihnu.id, s.id, "open")
    assert (fu.description, fu.owner, fu.measure_code, fu.due_date) == (
        "Kirjutada varundusplaan",
        "IT-juht",
        "CON.3.M1",
        date(2026, 12, 31),
    )
    assert rec.closed == 0


def test_mentor_named_by_coordinator_and_single_mentor_found_without_one(session: Session, net: Net) -> None:
    by_email = record(session, kihnu_input(mentor="KADRI.TAMM@tartu.ee"), actor="koordinaator")
    implied = record(session, kihnu_input(held_at=tln(2026, 11, 28)), actor="koordinaator")
    assert by_email.session.mentor_id == implied.session.mentor_id == net.kadri.id
    assert implied.session.recorded_by == "koordinaator"


def test_closings_and_session_detail(session: Session, net: Net) -> None:
    first = record(
        session,
        kihnu_input(
            held_at=tln(2026, 10, 1),
            changes=[AgreedChange("ORP.4.M1", "partial")],
            followups=[NewFollowUp(d, date(2026, 11, 30)) for d in ("plaan", "koolitus", "pilv")],
        ),
    )
    session.commit()
    plan, course, cloud = (f.id for f in first.followups)
    later = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    second = record(
        session,
        kihnu_input(
            held_at=tln(2026, 11, 27),
            changes=[AgreedChange("ORP.4.M1", "implemented")],
            followups=[NewFollowUp("uus", date(2027, 1, 31))],
            closings=[Closing(plan, "tehtud"), Closing(cloud, "dropped", " Teenus viiakse pilve ")],
        ),
        actor="koordinaator",
        now=later,
    )
    session.commit()
    assert second.closed == 2
    done, dropped, still = (session.get(m.FollowUp, i) for i in (plan, cloud, course))
    assert done and dropped and still
    assert (done.state, done.reason, done.closed_by, done.closed_in_session_id) == (
        "done",
        "",
        "koordinaator",
        second.session.id,
    )
    assert utc(done.closed_at) == later  # type: ignore[arg-type]
    assert (dropped.state, dropped.reason, dropped.version) == ("dropped", "Teenus viiakse pilve", 2)
    assert (still.state, still.closed_at, still.closed_in_session_id, still.version) == ("open", None, None, 1)

    d2 = session_detail(session, second.session.id)  # type: ignore[arg-type]
    assert [(h.old_status, h.new_status) for h in d2.changes] == [("partial", "implemented")]
    assert [f.description for f in d2.followups] == ["uus"]
    assert [f.id for f in d2.closed] == [plan, cloud]
    assert d2.goal == "ISMS käima"
    assert (d2.row.mentor, d2.row.municipality, d2.row.changes, d2.row.followups) == ("Kadri Tamm", "Kihnu vald", 1, 1)
    d1 = session_detail(session, first.session.id)  # type: ignore[arg-type]
    assert [f.id for f in d1.followups] == [plan, course, cloud] and d1.closed == []
    with pytest.raises(NotFoundError):
        session_detail(session, 999_999)


def test_list_sessions_newest_first_with_counts(session: Session, net: Net) -> None:
    assign(session, mentor=net.jaan, municipality=net.ruhnu, start=SEP1, end=DEC31, actor="k")
    session.commit()
    oct1 = record(session, kihnu_input(held_at=tln(2026, 10, 1), followups=[NewFollowUp("a", DEC31)] * 2))
    dec5 = record(session, kihnu_input(held_at=tln(2026, 12, 5), changes=[AgreedChange("ORP.4.M2", "R")]))
    nov3 = record(
        session,
        kihnu_input(municipality="Ruhnu", held_at=tln(2026, 11, 3), mentor="jaan"),
        actor="koordinaator",
    )
    session.commit()
    rows = list_sessions(session)
    assert [r.id for r in rows] == [dec5.session.id, nov3.session.id, oct1.session.id]
    assert [(r.changes, r.followups) for r in rows] == [(1, 0), (0, 0), (0, 2)]
    assert [r.id for r in list_sessions(session, municipality_id=net.kihnu.id)] == [dec5.session.id, oct1.session.id]
    assert [r.mentor for r in list_sessions(session, mentor_id=net.jaan.id)] == ["Jaan Mets"]
    since = list_sessions(session, since=tln(2026, 11, 3), until=tln(2026, 12, 5))
    assert [r.id for r in since] == [nov3.session.id]  # since inclusive, until exclusive
    assert [r.id for r in list_sessions(session, limit=1)] == [dec5.session.id]
    assert rows[0].held_at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_participants_seen(session: Session, net: Net) -> None:
    record(session, kihnu_input(participants=["Ülo Uus", "Aino Aas"]))
    record(session, kihnu_input(held_at=tln(2026, 11, 28), participants=["Aino Aas", "Zelma Zuur"]))
    session.commit()
    assert participants_seen(session, net.kihnu.id) == ["Aino Aas", "Mari Maasikas", "Zelma Zuur", "Ülo Uus"]
    assert participants_seen(session, net.ruhnu.id) == []


# --- follow-ups -----------------------------------------------------------------------------


@pytest.fixture
def due_spread(session: Session, net: Net) -> dict[str, int]:
    """Kihnu (Kadri) and Ruhnu (Jaan) follow-ups due around 10 Dec 2026."""
    assign(session, mentor=net.jaan, municipality=net.ruhnu, start=SEP1, end=DEC31, actor="k")
    kihnu = record(
        session,
        kihnu_input(
            held_at=tln(2026, 11, 1),
            followups=[
                NewFollowUp("eile", date(2026, 12, 9)),
                NewFollowUp("täna", date(2026, 12, 10)),
                NewFollowUp("homme", date(2026, 12, 11)),
                NewFollowUp("ammu", date(2026, 11, 15)),
            ],
        ),
    )
    ruhnu = record(
        session,
        kihnu_input(
            municipality="Ruhnu vald", held_at=tln(2026, 11, 2), followups=[NewFollowUp("r", date(2026, 12, 1))]
        ),
        actor="jaan.mets@voru.ee",
    )
    session.commit()
    ids = {f.description: f.id for f in kihnu.followups + ruhnu.followups}
    return ids  # type: ignore[return-value]


def test_list_followups_overdue_and_days_left(session: Session, net: Net, due_spread: dict[str, int]) -> None:
    today = date(2026, 12, 10)
    rows = list_followups(session, today=today)
    assert [r.description for r in rows] == ["ammu", "r", "eile", "täna", "homme"]  # soonest due first
    by = {r.description: r for r in rows}
    assert [(by[d].overdue, by[d].days_left) for d in ("eile", "täna", "homme")] == [(True, -1), (False, 0), (False, 1)]
    assert by["ammu"].days_left == -25
    assert (by["r"].municipality, by["r"].mentor) == ("Ruhnu vald", "Jaan Mets")
    assert by["eile"].session_held_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert [r.description for r in list_followups(session, today=today, municipality_id=net.ruhnu.id)] == ["r"]
    assert {r.description for r in list_followups(session, today=today, mentor_id=net.kadri.id)} == {
        "ammu",
        "eile",
        "täna",
        "homme",
    }
    assert [r.description for r in list_followups(session, today=today, overdue=True)] == ["ammu", "r", "eile"]
    assert overdue_by_municipality(session, today=today) == {net.kihnu.id: 2, net.ruhnu.id: 1}

    close_followup(session, due_spread["eile"], state="done", actor="kadri", now=NOW)
    session.commit()
    assert [r.description for r in list_followups(session, today=today, overdue=True)] == ["ammu", "r"]
    assert overdue_by_municipality(session, today=today) == {net.kihnu.id: 1, net.ruhnu.id: 1}
    assert overdue_by_municipality(session, today=date(2026, 11, 15)) == {}
    done = list_followups(session, today=today, states=("done",))
    assert [(r.description, r.overdue) for r in done] == [("eile", False)]
    assert len(list_followups(session, today=today, states=None)) == 5


def test_close_followup_versions_reasons_and_reopen(session: Session, net: Net, due_spread: dict[str, int]) -> None:
    fid = due_spread["täna"]
    when = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        close_followup(session, fid, state="dropped", actor="kadri", reason=" ")
    assert info.value.field == "reason"
    with pytest.raises(ValidationError) as info:
        close_followup(session, fid, state="open", actor="kadri")
    assert info.value.field == "state"

    fu = close_followup(session, fid, state="closed", actor="kadri", expected_version=1, now=when)
    session.commit()
    assert (fu.state, fu.closed_by, fu.version) == ("done", "kadri", 2)
    assert utc(fu.closed_at) == when  # type: ignore[arg-type]

    with pytest.raises(ValidationError) as info:  # someone saw version 1 and now drops it
        close_followup(session, fid, state="dropped", reason="x", actor="jaan", expected_version=1)
    assert info.value.field == "version" and "kadri" in info.value.message
    session.rollback()
    again = session.get(m.FollowUp, fid)
    assert again and (again.state, again.version, again.closed_by) == ("done", 2, "kadri")
    with pytest.raises(ValidationError, match="already done"):
        close_followup(session, fid, state="tehtud", actor="kadri")

    reopened = close_followup(session, fid, state="avatud", actor="jaan", expected_version=2)
    assert (reopened.state, reopened.closed_at, reopened.closed_by, reopened.reason, reopened.version) == (
        "open",
        None,
        "",
        "",
        3,
    )
    dropped = close_followup(session, fid, state="loobutud", reason=" pole vaja ", actor="jaan", now=when)
    assert (dropped.state, dropped.reason, dropped.closed_by) == ("dropped", "pole vaja", "jaan")
    with pytest.raises(NotFoundError):
        close_followup(session, 999_999, state="done", actor="kadri")
    with pytest.raises(ValidationError, match="unknown follow-up state"):
        close_followup(session, due_spread["homme"], state="maybe", actor="kadri")


def test_reopening_a_followup_closed_in_a_session_forgets_that_session(session: Session, net: Net) -> None:
    first = record(session, kihnu_input(held_at=tln(2026, 10, 1), followups=[NewFollowUp("a", date(2026, 12, 1))]))
    fid = first.followups[0].id
    second = record(session, kihnu_input(closings=[Closing(fid, "done")]))  # type: ignore[arg-type]
    session.commit()
    close_followup(session, fid, state="open", actor="koordinaator")  # type: ignore[arg-type]
    session.commit()
    assert session_detail(session, second.session.id).closed == []  # type: ignore[arg-type]
    assert session.get(m.FollowUp, fid).closed_in_session_id is None  # type: ignore[union-attr]


# --- drafts ---------------------------------------------------------------------------------


def test_drafts_are_per_owner_and_replaced(session: Session) -> None:
    save_draft(session, owner="kadri", kind="session", key="Kihnu vald", payload={"notes": "esimene"})
    save_draft(session, owner="jaan", kind="session", key="Kihnu vald", payload={"notes": "Jaani oma"})
    save_draft(session, owner="kadri", kind="session", key="Ruhnu vald", payload={"notes": "ruhnu"})
    session.commit()
    save_draft(session, owner="kadri", kind="session", key="Kihnu vald", payload={"notes": "teine", "duration": 60})
    session.commit()
    draft = load_draft(session, owner="kadri", kind="session", key="Kihnu vald")
    assert draft is not None and draft.payload == {"notes": "teine", "duration": 60}
    assert session.scalar(select(func.count()).select_from(m.Draft)) == 3  # replaced, not added
    assert load_draft(session, owner="jaan", kind="session", key="Kihnu vald").payload == {"notes": "Jaani oma"}  # type: ignore[union-attr]
    assert load_draft(session, owner="kadri", kind="other", key="Kihnu vald") is None
    assert {d.key for d in list_drafts(session, owner="kadri")} == {"Kihnu vald", "Ruhnu vald"}
    assert list_drafts(session, owner="kadri", kind="other") == []

    assert discard_draft(session, owner="kadri", kind="session", key="Kihnu vald") is True
    session.commit()
    assert discard_draft(session, owner="kadri", kind="session", key="Kihnu vald") is False
    assert load_draft(session, owner="kadri", kind="session", key="Kihnu vald") is None
    assert load_draft(session, owner="jaan", kind="session", key="Kihnu vald") is not None


# --- session files --------------------------------------------------------------------------

ESTONIAN_FILE = """\
---
omavalitsus: Kihnu vald
mentor: kadri.tamm@tartu.ee
aeg: 2026-11-27 10:00
kestus: 90 min
vorm: videokõne
osalejad: Mari Maasikas, Jüri Juurikas
moodulid: [ORP.4, CON.3]
meetmed: [ORP.4.M1]
muudatused:
  - ORP.4.M1: implemented
  - {ORP.4.M2: osaliselt}
  - {measure: CON.3.M2, status: partial, note: Varundus katsetamata}
järelmeetmed:
  - {kirjeldus: Kirjutada varundusplaan, measure: CON.3.M2, vastutaja: IT-juht, tähtaeg: 2026-12-31}
  - Uuendada kord
suletud:
  - {id: 12, state: done}
  - {id: "#13", state: dropped, reason: Teenus viiakse pilve}
  - 14
---
## Arutatud
Varundus ja kord.
"""


def test_parse_estonian_session_file() -> None:
    data = parse_session_text(ESTONIAN_FILE)
    assert data.municipality == "Kihnu vald" and data.mentor == "kadri.tamm@tartu.ee"
    assert data.held_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert (data.duration_minutes, data.format) == (90, "videokõne")
    assert data.participants == ["Mari Maasikas", "Jüri Juurikas"]
    assert (data.modules, data.measures) == (["ORP.4", "CON.3"], ["ORP.4.M1"])
    assert [(c.measure, c.status, c.note) for c in data.changes] == [
        ("ORP.4.M1", "implemented", ""),
        ("ORP.4.M2", "osaliselt", ""),
        ("CON.3.M2", "partial", "Varundus katsetamata"),
    ]
    first, second = data.followups
    assert (first.description, first.measure, first.owner, first.due) == (
        "Kirjutada varundusplaan",
        "CON.3.M2",
        "IT-juht",
        date(2026, 12, 31),
    )
    assert (second.description, second.due) == ("Uuendada kord", None)
    assert [(c.followup_id, c.state, c.reason) for c in data.closings] == [
        (12, "done", ""),
        (13, "dropped", "Teenus viiakse pilve"),
        (14, "done", ""),
    ]
    assert data.notes == "## Arutatud\nVarundus ja kord."


@pytest.mark.parametrize(
    ("held_at", "expected"),
    [
        ("2026-11-27 10:00", datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),
        ("2026-11-27 10:00:00", datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),  # a YAML timestamp, still Tallinn
        ("2026-07-01T10:00", datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),  # summer time
        ("2026-11-27 10:00+00:00", datetime(2026, 11, 27, 10, 0, tzinfo=UTC)),
        ("2026-11-27", datetime(2026, 11, 26, 22, 0, tzinfo=UTC)),
    ],
)
def test_held_at_in_files_is_tallinn_time(held_at: str, expected: datetime) -> None:
    data = parse_session_text(f"---\nmunicipality: Kihnu\nheld_at: {held_at}\n---\n")
    assert data.held_at == expected


def _problems(text: str) -> list[str]:
    with pytest.raises(ImportFileError) as info:
        parse_session_text(text, path="s.md")
    assert info.value.path == "s.md" and info.value.message.startswith("s.md: ")
    return info.value.problems


def test_yaml_syntax_error_names_its_line() -> None:
    text = "---\nmunicipality: Kihnu vald\nheld_at: 2026-11-27 10:00\nduration: 90\nformat: video: extra\n---\n"
    (problem,) = _problems(text)
    assert problem.startswith("line 5: not valid YAML")


def test_unknown_key_and_bad_values_name_their_lines() -> None:
    text = (
        "---\n"  # 1
        "municipality: Kihnu vald\n"  # 2
        "aeg: 27.11.2026 10:00\n"  # 3
        "osalejaid: [Mari]\n"  # 4
        "kestus: poolteist tundi\n"  # 5
        "changes: [42]\n"  # 6
        "followups:\n"  # 7
        "  - {description: x, due: 31.12.2026}\n"  # 8
        "close: [{state: done}]\n"  # 9
        "---\n"
    )
    problems = _problems(text)
    assert [p.split(":", 1)[0] for p in problems] == ["line 4", "line 3", "line 5", "line 6", "line 7", "line 9"]
    assert "'osalejaid'" in problems[0]
    assert "27.11.2026" in problems[1] and "31.12.2026" in problems[4]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("---\nmunicipality: Kihnu\nduration: 60\n", "not closed"),
        ("municipality: Kihnu\n---\n", "line 1"),
        ("", "line 1"),
        ("---\nmentor: kadri\nheld_at: 2026-11-27 10:00\n---\nnotes\n", "municipality"),
        ("---\n- a\n- b\n---\n", "key: value"),
    ],
)
def test_malformed_files(text: str, fragment: str) -> None:
    (problem,) = _problems(text)
    assert fragment in problem


def test_session_file_recorded_end_to_end(session: Session, net: Net, tmp_path: Path) -> None:
    earlier = record(session, kihnu_input(held_at=tln(2026, 10, 1), followups=[NewFollowUp("vana", date(2026, 11, 1))]))
    session.commit()
    fid = earlier.followups[0].id
    path = tmp_path / "kihnu.md"
    text = ESTONIAN_FILE.replace("  - {id: 12, state: done}\n", "").replace(
        '  - {id: "#13", state: dropped, reason: Teenus viiakse pilve}\n  - 14\n', f"  - {fid}\n"
    )
    path.write_text(text.replace("  - Uuendada kord\n", ""), encoding="utf-8")
    rec = record(session, read_session_file(path), actor="koordinaator")
    session.commit()
    s = rec.session
    assert (s.mentor_id, s.format, utc(s.held_at)) == (net.kadri.id, "video", datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    assert _status(session, net.kihnu, "ORP.4.M2") == {"Kogu organisatsioon": "partial"}
    assert _status(session, net.kihnu, "CON.3.M2") == {"Kogu organisatsioon": "partial"}
    assert rec.changes == 3 and [f.due_date for f in rec.followups] == [date(2026, 12, 31)]
    assert session.get(m.FollowUp, fid).closed_in_session_id == s.id  # type: ignore[union-attr]

    with pytest.raises(ImportFileError, match="does not exist"):
        read_session_file(tmp_path / "missing.md")
    (tmp_path / "latin1.md").write_bytes("---\nmunicipality: Põlva\n---\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="UTF-8"):
        read_session_file(tmp_path / "latin1.md")


def test_session_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("---\nmunicipality: Kihnu vald\n---\n".encode("utf-8-sig"))
    assert read_session_file(path).municipality == "Kihnu vald"


def test_a_refused_file_names_itself(session: Session, net: Net) -> None:
    data = parse_session_text("---\nmunicipality: Kihnu\nheld_at: 2026-11-27 10:00\nformat: video\n---\n")
    with pytest.raises(SessionInputError) as info:
        record_session(session, data, actor="kadri", now=NOW, source="kihnu.md")
    assert info.value.message.startswith("kihnu.md: 1 problem(s)") and fields_of(info.value.problems) == ["duration"]


def test_session_template_parses_back_and_offers_open_followups(session: Session, net: Net) -> None:
    first = record(
        session,
        kihnu_input(
            held_at=tln(2026, 10, 1),
            followups=[NewFollowUp("Kirjutada plaan", date(2026, 11, 30)), NewFollowUp("Koolitus", date(2026, 12, 15))],
        ),
    )
    session.commit()
    open_rows = list_followups(session, today=date(2026, 11, 27), municipality_id=net.kihnu.id)
    held = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    text = session_template(
        municipality="Kihnu vald", mentor="kadri.tamm@tartu.ee", held_at=held, open_followups=open_rows
    )
    assert "10:00" in text  # shown in Tallinn time
    for f in first.followups:
        assert f"id: {f.id}," in text and f.description in text

    as_is = parse_session_text(text)
    assert (as_is.municipality, as_is.mentor, as_is.held_at) == ("Kihnu vald", "kadri.tamm@tartu.ee", held)
    assert as_is.closings == [] and as_is.changes == [] and as_is.followups == []
    rec = record(session, as_is)  # the defaults are a valid session
    assert rec.session.mentor_id == net.kadri.id

    keep = first.followups[0].id
    filled = text.replace(f"  # - {{id: {keep},", f"  - {{id: {keep},").replace(
        "changes: []", "changes: [ORP.4.M1: implemented]"
    )
    parsed = parse_session_text(filled)
    assert [(c.followup_id, c.state) for c in parsed.closings] == [(keep, "done")]
    assert [(c.measure, c.status) for c in parsed.changes] == [("ORP.4.M1", "implemented")]
    no_open = session_template(municipality="Ruhnu vald", mentor="jaan", held_at=held)
    assert parse_session_text(no_open).closings == []


# --- timeutil.parse_local_datetime ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27 10:00", datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),
        (" 2026-11-27T10:00 ", datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),
        ("2026-06-21 10:00", datetime(2026, 6, 21, 7, 0, tzinfo=UTC)),
        ("2026-11-27 10:00+05:00", datetime(2026, 11, 27, 5, 0, tzinfo=UTC)),
        (datetime(2026, 11, 27, 10, 0), datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),  # naive: Tallinn
        (datetime(2026, 11, 27, 10, 0, tzinfo=UTC), datetime(2026, 11, 27, 10, 0, tzinfo=UTC)),
        (date(2026, 7, 1), datetime(2026, 6, 30, 21, 0, tzinfo=UTC)),
    ],
)
def test_parse_local_datetime(value: Any, expected: datetime) -> None:
    got = parse_local_datetime(value, field="held_at")
    assert got == expected and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["27.11.2026 10:00", "", "tomorrow", "2026-13-01 10:00"])
def test_parse_local_datetime_refuses(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_local_datetime(text, field="held_at")
    assert info.value.field == "held_at" and info.value.message.startswith("held-at:")
