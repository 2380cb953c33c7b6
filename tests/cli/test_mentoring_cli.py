"""The mentor network's command line (mentor, session, followup), run for real against this test's database."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from eits_tracker.db.engine import normalise_url
from eits_tracker.timeutil import TALLINN

TABLES = ("person", "assignment", "mentor_session", "follow_up", "status_history", "measure_status")


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), params).all())
    engine.dispose()
    return rows


def _counts(url: str) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return {name: int(n) for name, n in _query(url, sql)}


@dataclass
class Network:
    """A mentor from Tartu linn (login 'tester', the CLI's actor) assigned to Kihnu vald around today."""

    mentor_id: int
    assignment_id: int
    today: date

    def at(self, days_ago: int, hour: int = 10) -> str:
        return f"{self.today - timedelta(days=days_ago)} {hour:02d}:00"

    def day(self, offset: int) -> str:
        return str(self.today + timedelta(days=offset))


@pytest.fixture
def network(cli) -> Network:  # type: ignore[no-untyped-def]
    today = datetime.now(TALLINN).date()
    r = cli(
        "mentor",
        "add",
        "Kadri Tamm",
        "--email",
        "Kadri.Tamm@tartu.ee",
        "--municipality",
        "Tartu linn",
        "--expertise",
        "ORP,CON.3",
        "--login",
        "tester",
    )
    assert r.code == 0, r.err
    mentor_id = int(r.out)
    r = cli(
        "mentor",
        "assign",
        "kadri.tamm@tartu.ee",
        "Kihnu vald",
        "--start",
        str(today - timedelta(days=60)),
        "--end",
        str(today + timedelta(days=60)),
        "--focus",
        "ORP.4,CON.3",
        "--goal",
        "Põhiturve korda",
    )
    assert r.code == 0, r.err
    return Network(mentor_id, int(r.out), today)


def _session_file(path: Path, net: Network, *, changes: str, followups: str, close: str = "") -> Path:
    path.write_text(
        "---\n"
        "municipality: Kihnu vald\n"
        f"held_at: {net.at(10)}\n"
        "duration: 90\n"
        "format: videokõne\n"
        "participants: [Mari Maasikas, Jüri Juurikas]\n"
        "modules: [ORP.4]\n"
        f"changes:\n{changes}"
        f"followups:\n{followups}"
        f"{close}"
        "---\n"
        "## Arutatud\n"
        "Paroolipoliitika on kinnitatud.\n",
        encoding="utf-8",
    )
    return path


def _two_followups(net: Network) -> str:
    return (
        f"  - {{description: Kirjutada varundusplaan, measure: CON.3.M2, owner: IT-juht, due: {net.day(-3)}}}\n"
        f"  - {{description: Korraldada koolitus, owner: Mari Maasikas, due: {net.day(20)}}}\n"
    )


def _record_options(net: Network, *extra: str) -> tuple[str, ...]:
    return (
        "session",
        "record",
        "--municipality",
        "Kihnu",
        "--at",
        net.at(5),
        "--duration",
        "60",
        "--format",
        "phone",
        *extra,
    )


# --- mentor --------------------------------------------------------------------------------


def test_mentor_add_list_assign_and_assignments(cli, db_url: str, network: Network) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "mentor",
        "add",
        "Mari Maasikas",
        "--email",
        "mari@kihnu.ee",
        "--municipality",
        "Kihnu",
        "--role",
        "kontaktisik",
        "--role",
        "specialist",
    )
    assert r.code == 0, r.err
    contact_id = int(r.out)
    rows = _query(db_url, "SELECT name, email, roles, expertise, login FROM person ORDER BY id")
    assert [(x.name, x.email, x.login) for x in rows] == [
        ("Kadri Tamm", "kadri.tamm@tartu.ee", "tester"),
        ("Mari Maasikas", "mari@kihnu.ee", None),
    ]
    assert [json.loads(x.roles) if isinstance(x.roles, str) else x.roles for x in rows] == [
        ["mentor"],
        ["contact", "specialist"],
    ]

    listed = json.loads(cli("mentor", "list", "--json").out)
    assert [p["id"] for p in listed] == [network.mentor_id, contact_id]
    assert listed[0] == {
        "id": network.mentor_id,
        "name": "Kadri Tamm",
        "email": "kadri.tamm@tartu.ee",
        "municipality": "Tartu linn",
        "roles": ["mentor"],
        "expertise": ["ORP", "CON.3"],
        "login": "tester",
        "active_mentees": ["Kihnu vald"],
    }
    assert [p["name"] for p in json.loads(cli("mentor", "list", "--role", "contact", "--json").out)] == [
        "Mari Maasikas"
    ]
    table = cli("mentor", "list").out
    assert "Kadri Tamm" in table and "Kihnu vald" in table and "contact, specialist" in table

    assignments = json.loads(cli("mentor", "assignments", "--json").out)
    assert assignments == [
        {
            "id": network.assignment_id,
            "mentor": "Kadri Tamm",
            "municipality": "Kihnu vald",
            "start_date": network.day(-60),
            "end_date": network.day(60),
            "active": True,
            "focus_modules": ["ORP.4", "CON.3"],
            "goal": "Põhiturve korda",
        }
    ]
    # A later, not yet active assignment to another municipality: the filters tell them apart.
    r = cli("mentor", "assign", "Kadri", "Rapla vald", "--start", network.day(100), "--end", network.day(200))
    assert r.code == 0, r.err
    assert len(json.loads(cli("mentor", "assignments", "--json").out)) == 2
    assert [a["municipality"] for a in json.loads(cli("mentor", "assignments", "--active", "--json").out)] == [
        "Kihnu vald"
    ]
    by_muni = json.loads(cli("mentor", "assignments", "--municipality", "Rapla vald", "--json").out)
    assert [(a["id"], a["active"]) for a in by_muni] == [(int(r.out), False)]
    assert json.loads(cli("mentor", "assignments", "--mentor", "Mari", "--json").out) == []
    assert "Põhiturve korda" in cli("mentor", "assignments").out


def test_bad_people_and_assignments_exit_2_and_write_nothing(cli, db_url: str, network: Network) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "mentor", "add", "Mari Maasikas", "--email", "mari@kihnu.ee", "--municipality", "Kihnu", "--role", "contact"
        ).code
        == 0
    )
    before = _counts(db_url)
    cases = [
        (("mentor", "assign", "Kadri", "Kihnu", "--start", network.day(30), "--end", network.day(90)), "overlap"),
        (("mentor", "assign", "Kadri", "Rapla vald", "--start", network.day(9), "--end", network.day(1)), "end:"),
        (("mentor", "assign", "Kadri", "Tartu linn", "--start", network.day(1), "--end", network.day(9)), "own"),
        (("mentor", "assign", "Mari", "Rapla vald", "--start", network.day(1), "--end", network.day(9)), "mentor role"),
        (("mentor", "assign", "Kadri", "Rapla vald", "--start", "1.12.2026", "--end", network.day(9)), "start:"),
        (
            (
                "mentor",
                "assign",
                "Kadri",
                "Rapla vald",
                "--start",
                network.day(1),
                "--end",
                network.day(9),
                "--focus",
                "ORP.99",
            ),
            "focus: ORP.99",
        ),
        (("mentor", "add", "Mari Teine", "--email", "MARI@kihnu.ee"), "email:"),
        (("mentor", "add", "Keegi", "--email", "not-an-address"), "email:"),
        (("mentor", "add", "Keegi", "--email", "k@x.ee", "--role", "boss"), "role:"),
        (("mentor", "add", "Keegi", "--email", "k@x.ee", "--role", "contact"), "municipality:"),
        (("mentor", "add", "Keegi", "--email", "k@x.ee", "--expertise", "XYZ"), "expertise: XYZ"),
    ]
    for args, message in cases:
        r = cli(*args)
        assert r.code == 2, (args, r.out, r.err)
        assert message in r.err, (args, r.err)
        assert "Traceback" not in r.err
    assert _counts(db_url) == before


# --- sessions and follow-ups ------------------------------------------------------------------


def test_session_from_a_file_with_two_followups_and_one_change(
    cli, db_url: str, network: Network, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = _session_file(
        tmp_path / "kihnu.md", network, changes="  - ORP.4.M1: rakendatud\n", followups=_two_followups(network)
    )
    r = cli("session", "record", str(path))
    assert r.code == 0, r.err
    assert r.out.startswith("session #") and "Kihnu vald" in r.out
    assert "1 status change applied; 2 follow-ups created" in r.out and "0 closed" in r.out
    session_id = int(r.out.split("#", 1)[1].split(":", 1)[0])

    (s,) = _query(db_url, "SELECT * FROM mentor_session")
    assert (s.id, s.mentor_id, s.assignment_id, s.duration_minutes, s.format) == (
        session_id,
        network.mentor_id,
        network.assignment_id,
        90,
        "video",
    )
    assert "Paroolipoliitika" in s.notes and s.recorded_by == "tester"
    (h,) = _query(db_url, "SELECT * FROM status_history")
    assert (h.source, h.session_id, h.measure_code, h.old_status, h.new_status) == (
        "session",
        session_id,
        "ORP.4.M1",
        None,
        "implemented",
    )
    assert [x.status for x in _query(db_url, "SELECT status FROM measure_status")] == ["implemented"]

    listed = json.loads(cli("followup", "list", "--json").out)
    assert [(f["description"], f["due_date"], f["measure"], f["owner"]) for f in listed] == [
        ("Kirjutada varundusplaan", network.day(-3), "CON.3.M2", "IT-juht"),
        ("Korraldada koolitus", network.day(20), None, "Mari Maasikas"),
    ]
    assert [(f["overdue"], f["days_left"], f["state"]) for f in listed] == [(True, -3, "open"), (False, 20, "open")]
    assert {f["session_id"] for f in listed} == {session_id} and listed[0]["mentor"] == "Kadri Tamm"
    overdue = json.loads(cli("followup", "list", "--overdue", "--json").out)
    assert [f["description"] for f in overdue] == ["Kirjutada varundusplaan"]
    table = cli("followup", "list").out
    assert "3 d overdue" in table and "in 20 d" in table

    late, later = listed[0]["id"], listed[1]["id"]
    r = cli("followup", "close", str(later))
    assert r.code == 0, r.err
    assert "open → done" in r.out
    row = _query(db_url, "SELECT state, closed_by, closed_at, version FROM follow_up WHERE id = :i", i=later)[0]
    assert (row.state, row.closed_by, row.version) == ("done", "tester", 2) and row.closed_at is not None
    assert [f["id"] for f in json.loads(cli("followup", "list", "--json").out)] == [late]
    assert [f["id"] for f in json.loads(cli("followup", "list", "--overdue", "--json").out)] == [late]
    everything = json.loads(cli("followup", "list", "--all", "--json").out)
    assert [(f["id"], f["state"]) for f in everything] == [(late, "open"), (later, "done")]
    assert everything[1]["closed_at"] is not None
    assert [f["id"] for f in json.loads(cli("followup", "list", "--municipality", "Rapla", "--json").out)] == []
    assert len(json.loads(cli("followup", "list", "--mentor", "tester", "--json").out)) == 1

    shown = json.loads(cli("session", "show", str(session_id), "--json").out)
    assert shown["municipality"] == "Kihnu vald" and shown["goal"] == "Põhiturve korda"
    assert shown["participants"] == ["Mari Maasikas", "Jüri Juurikas"] and shown["modules"] == ["ORP.4"]
    assert shown["measures"] == ["ORP.4.M1", "CON.3.M2"]
    assert [(c["measure"], c["new_status"]) for c in shown["changes"]] == [("ORP.4.M1", "implemented")]
    assert [f["id"] for f in shown["followups_created"]] == [late, later] and shown["followups_closed"] == []
    text_out = cli("session", "show", str(session_id)).out
    assert "Paroolipoliitika" in text_out and "not_assessed → implemented" in text_out
    assert "Korraldada koolitus" in text_out


def test_session_from_options_closes_and_drops_earlier_followups(cli, db_url: str, network: Network) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        *_record_options(
            network,
            "--followup",
            f"Varundusplaan;due={network.day(10)};owner=IT-juht;measure=CON.3.M2",
            "--followup",
            f"Koolitus;due={network.day(20)}",
            "--json",
        )
    )
    assert r.code == 0, r.err
    first = json.loads(r.out)
    assert first["mentor"] == "Kadri Tamm"  # the actor's login names the mentor
    assert first["changes_applied"] == [] and first["followups_closed"] == 0
    done_id, dropped_id = first["followups_created"]

    r = cli(
        "session",
        "record",
        "--municipality",
        "0303",
        "--mentor",
        "kadri.tamm@tartu.ee",
        "--assignment",
        str(network.assignment_id),
        "--at",
        network.at(1, hour=14),
        "--duration",
        "45",
        "--format",
        "kohapeal",
        "--participant",
        "Mari Maasikas",
        "--module",
        "ORP.4,CON.3",
        "--measure",
        "ORP.4.M2",
        "--notes",
        "Teine kohtumine.",
        "--change",
        "ORP.4.M2=partial;note=pooleli",
        "--change",
        "CON.3.M2=R",
        "--close",
        str(done_id),
        "--drop",
        f"{dropped_id}=Teenus viiakse pilve",
    )
    assert r.code == 0, r.err
    assert "2 status changes applied; 0 follow-ups created; 2 closed" in r.out
    second = int(r.out.split("#", 1)[1].split(":", 1)[0])
    s = _query(db_url, "SELECT * FROM mentor_session WHERE id = :i", i=second)[0]
    assert (s.format, s.duration_minutes, s.notes) == ("on_site", 45, "Teine kohtumine.\n")
    history = _query(db_url, "SELECT measure_code, new_status, note, source, session_id FROM status_history")
    assert sorted(tuple(h) for h in history) == [
        ("CON.3.M2", "implemented", "", "session", second),
        ("ORP.4.M2", "partial", "pooleli", "session", second),
    ]
    closed = _query(db_url, "SELECT id, state, reason, closed_in_session_id FROM follow_up ORDER BY id")
    assert [tuple(c) for c in closed] == [
        (done_id, "done", "", second),
        (dropped_id, "dropped", "Teenus viiakse pilve", second),
    ]
    shown = json.loads(cli("session", "show", str(second), "--json").out)
    assert [(f["id"], f["state"], f["reason"]) for f in shown["followups_closed"]] == [
        (done_id, "done", ""),
        (dropped_id, "dropped", "Teenus viiakse pilve"),
    ]
    assert "Teenus viiakse pilve" in cli("session", "show", str(second)).out

    sessions = json.loads(cli("session", "list", "--json").out)
    assert [(x["id"], x["changes"], x["followups"]) for x in sessions] == [(second, 2, 0), (first["id"], 0, 2)]
    assert sessions[0]["held_at"].startswith(network.day(-1))
    since = json.loads(cli("session", "list", "--since", network.day(-1), "--json").out)
    assert [x["id"] for x in since] == [second]
    until = json.loads(cli("session", "list", "--until", network.day(-5), "--json").out)
    assert [x["id"] for x in until] == [first["id"]]  # --until includes the whole day
    assert json.loads(cli("session", "list", "--municipality", "Rapla", "--json").out) == []
    assert len(json.loads(cli("session", "list", "--mentor", "Kadri", "--json").out)) == 2
    assert "Kihnu vald" in cli("session", "list").out


def test_template_carries_open_followups_into_the_next_session(
    cli, db_url: str, network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    r = cli(*_record_options(network, "--followup", f"Varundusplaan;due={network.day(10)}", "--json"))
    fu_id = json.loads(r.out)["followups_created"][0]
    r = cli("session", "template", "Kihnu", "--at", network.at(1))
    assert r.code == 0, r.err
    assert "municipality: Kihnu vald" in r.out and "mentor: kadri.tamm@tartu.ee" in r.out
    assert f"held_at: {network.at(1)}" in r.out
    carried = f"  # - {{id: {fu_id}, state: done}}"
    assert carried in r.out and "Varundusplaan" in r.out

    # The mentor keeps the carried follow-up (uncomments it) and records the file from standard input,
    # with --duration given on the command line replacing the file's.
    filled = r.out.replace(carried, f"  - {{id: {fu_id}, state: done}}").replace("format: video", "format: phone")
    monkeypatch.setattr("sys.stdin", io.StringIO(filled))
    r = cli("session", "record", "-", "--duration", "45")
    assert r.code == 0, r.err
    assert "1 closed" in r.out
    (row,) = _query(db_url, "SELECT state FROM follow_up")
    assert row.state == "done"
    latest = json.loads(cli("session", "list", "--json").out)[0]
    assert (latest["duration_minutes"], latest["format"]) == (45, "phone")

    # Nothing open any more: the template has nothing to carry.
    assert "close: []" in cli("session", "template", "Kihnu").out
    assert cli("session", "template", "Kihnu", "--mentor", "Nobody").code == 2


def test_bad_session_input_exits_2_names_the_problem_and_writes_nothing(
    cli, db_url: str, network: Network, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "mentor", "add", "Mari Maasikas", "--email", "mari@kihnu.ee", "--municipality", "Kihnu", "--role", "contact"
        ).code
        == 0
    )
    r = cli(*_record_options(network, "--followup", f"Varundusplaan;due={network.day(10)}", "--json"))
    fu_id = json.loads(r.out)["followups_created"][0]
    unknown = _session_file(
        tmp_path / "unknown.md", network, changes="  - ORP.4.M999: implemented\n", followups="  []\n"
    )
    broken = tmp_path / "broken.md"
    broken.write_text("---\nmunicipality: Kihnu vald\nduration: 90: minutes\nformat: video\n---\n", encoding="utf-8")
    bad_due = _session_file(
        tmp_path / "due.md", network, changes="  []\n", followups="  - {description: Plaan, due: 31.12.2026}\n"
    )
    before = _counts(db_url)
    cases = [
        (_record_options(network, "--at", network.at(100)), "held_at: the session on"),
        (_record_options(network, "--change", "ORP.4.M999=implemented"), "changes: ORP.4.M999"),
        (_record_options(network, "--change", "ORP.4.M1=done"), "unknown status 'done'"),
        (_record_options(network, "--change", "ORP.4.M1"), "--change 'ORP.4.M1'"),
        (("session", "record", str(unknown)), f"{unknown}: 1 problem"),
        (("session", "record", str(unknown)), "changes: ORP.4.M999"),
        (("session", "record", str(broken)), f"{broken}: 1 problem"),
        (("session", "record", str(broken)), "line 3"),
        (("session", "record", str(bad_due)), "line 10: followups"),
        (("session", "record", str(tmp_path / "missing.md")), "does not exist"),
        (_record_options(network, "--drop", str(fu_id)), f"closings: #{fu_id} is dropped; say why"),
        (_record_options(network, "--drop", f"{fu_id}="), f"closings: #{fu_id} is dropped; say why"),
        (("followup", "close", str(fu_id), "--drop", " "), "drop: say why"),
        (("followup", "close", str(fu_id), "--drop", "x", "--reopen"), "only one of"),
        (("followup", "close", str(fu_id), "--reopen"), "already open"),
        (("followup", "close", "9999"), "no follow-up #9999"),
        (_record_options(network, "--mentor", "Mari"), "mentor: Mari Maasikas is not a mentor"),
        (_record_options(network, "--at", network.at(-2)), "in the future"),
        (_record_options(network, "--at", "27.11.2026 10:00"), "held_at (--at)"),
        (_record_options(network, "--assignment", "9999"), "no assignment #9999"),
        (_record_options(network, "--followup", f"Plaan;due={network.day(-30)}"), "followups[1]: due"),
        (_record_options(network, "--followup", "Plaan;when=homme"), "followups[1]: 'when=homme'"),
        (_record_options(network, "--notes", "a", "--notes-file", "b.md"), "notes: give --notes or --notes-file"),
        (("session", "record", "--at", network.at(1)), "municipality: which municipality"),
        (("session", "show", "9999"), "no session #9999"),
    ]
    for args, message in cases:
        r = cli(*args)
        assert r.code == 2, (args, r.out, r.err)
        assert message in r.err, (args, r.err)
        assert "Traceback" not in r.err
    assert _counts(db_url) == before
    assert [tuple(x) for x in _query(db_url, "SELECT state, version FROM follow_up")] == [("open", 1)]


def test_every_session_problem_is_listed_at_once(cli, network: Network) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "session",
        "record",
        "--municipality",
        "Kihnu",
        "--at",
        network.at(100),
        "--duration",
        "3",
        "--format",
        "fax",
        "--change",
        "ORP.4.M999=R",
        "--measure",
        "XYZ.1.M1",
    )
    assert r.code == 2
    assert "Session not recorded" in r.err and "5 problem(s), nothing was saved" in r.err
    for field in ("duration:", "format:", "held_at:", "measures: XYZ.1.M1", "changes: ORP.4.M999"):
        assert f"\n  {field}" in r.err, field


def test_followup_close_done_drop_and_reopen(cli, db_url: str, network: Network) -> None:  # type: ignore[no-untyped-def]
    r = cli(*_record_options(network, "--followup", f"Plaan;due={network.day(10)}", "--json"))
    fu_id = json.loads(r.out)["followups_created"][0]

    def row() -> tuple[Any, ...]:
        return tuple(_query(db_url, "SELECT state, reason, closed_by, version FROM follow_up")[0])

    assert cli("followup", "close", str(fu_id), "--drop", "Pole enam vaja").code == 0
    assert row() == ("dropped", "Pole enam vaja", "tester", 2)
    r = cli("followup", "close", str(fu_id), "--reopen")
    assert r.code == 0 and "dropped → open" in r.out
    assert row() == ("open", "", "", 3)
    assert cli("followup", "close", str(fu_id), "--done").code == 0
    assert row() == ("done", "", "tester", 4)
    r = cli("followup", "close", str(fu_id))
    assert r.code == 2 and "already done" in r.err
    assert row() == ("done", "", "tester", 4)


def test_an_unclosed_quote_is_reported_on_its_own_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "quote.md"
    broken.write_text(
        "---\nmunicipality: Kihnu vald\nheld_at: '2026-11-27 10:00\nduration: 90\n---\n", encoding="utf-8"
    )
    r = cli("session", "record", str(broken))
    assert r.code == 2 and str(broken) in r.err
    assert "line 3" in r.err, r.err


def test_a_reopened_followup_is_no_longer_closed_in_that_session(cli, network: Network) -> None:  # type: ignore[no-untyped-def]
    r = cli(*_record_options(network, "--followup", f"Plaan;due={network.day(10)}", "--json"))
    fu_id = json.loads(r.out)["followups_created"][0]
    r = cli(*_record_options(network, "--at", network.at(1), "--close", str(fu_id), "--json"))
    closing_session = json.loads(r.out)["id"]
    assert cli("followup", "close", str(fu_id), "--reopen").code == 0
    shown = json.loads(cli("session", "show", str(closing_session), "--json").out)
    assert shown["followups_closed"] == []


def test_mentor_activity_of_a_quarter(cli, network: Network) -> None:  # type: ignore[no-untyped-def]
    from eits_tracker.timeutil import parse_local_datetime
    from eits_tracker.tracking.maturity import previous_quarter, quarter_of

    for hour, minutes in ((9, "90"), (14, "45")):
        args = list(_record_options(network, "--followup", f"Plaan {hour};due={network.day(30)}"))
        args[args.index("--at") + 1] = network.at(5, hour)
        args[args.index("--duration") + 1] = minutes
        assert cli(*args).code == 0
    quarter = quarter_of(parse_local_datetime(network.at(5), field="at"))
    r = cli("mentor", "activity", "--quarter", quarter, "--json")
    assert r.code == 0, r.err
    feed = json.loads(r.out)
    assert feed["quarter"] == quarter
    assert feed["totals"]["sessions"] == 2 and feed["totals"]["hours"] == 2.25
    assert feed["totals"]["followups_opened"] == 2 and feed["totals"]["followups_done"] == 0
    (mentor,) = [row for row in feed["mentors"] if row["sessions"]]
    assert mentor["person_id"] == network.mentor_id and mentor["mentees"] == 1
    (mentee,) = feed["mentees"]
    assert mentee["name"] == "Kihnu vald" and mentee["sessions"] == 2
    # the quarter before saw none of it
    before = json.loads(cli("mentor", "activity", "--quarter", previous_quarter(quarter), "--json").out)
    assert before["totals"]["sessions"] == 0
    text_out = cli("mentor", "activity", "--quarter", quarter)
    assert f"{quarter}: 2 session(s), 2.2 h" in text_out.out or f"{quarter}: 2 session(s), 2.3 h" in text_out.out
    bad = cli("mentor", "activity", "--quarter", "2026Q5")
    assert bad.code == 2 and "2026Q5" in bad.err


def test_mentor_extend_moves_the_period_with_its_rules(cli, db_url: str, network: Network) -> None:  # type: ignore[no-untyped-def]
    aid = str(network.assignment_id)

    def period() -> tuple[str, str]:
        (row,) = _query(db_url, "SELECT start_date, end_date FROM assignment WHERE id = :i", i=network.assignment_id)
        return str(row[0]), str(row[1])

    assert cli(*_record_options(network)).code == 0  # a session five days ago
    r = cli("mentor", "extend", aid, "--end", network.day(400))
    assert r.code == 0, r.err
    assert period()[1] == network.day(400)
    before = _counts(db_url)
    r = cli("mentor", "extend", aid, "--end", network.day(-10))  # would leave the session outside
    assert r.code == 2 and "sessions of this assignment were held on" in r.err
    r = cli("mentor", "extend", aid, "--start", network.day(500))  # reversed
    assert r.code == 2 and "before it starts" in r.err
    r = cli("mentor", "extend", aid)
    assert r.code == 2 and "--end" in r.err
    assert cli("mentor", "extend", "999999", "--end", network.day(1)).code == 2
    assert _counts(db_url) == before and period()[1] == network.day(400)
    # a later assignment of the same pair: extending into it is an overlap
    later = cli("mentor", "assign", "tester", "Kihnu", "--start", network.day(401), "--end", network.day(600))
    assert later.code == 0, later.err
    r = cli("mentor", "extend", aid, "--end", network.day(450))
    assert r.code == 2 and "overlap" in r.err
    assert period()[1] == network.day(400)
