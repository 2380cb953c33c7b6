"""``eits-tracker user add|grant|revoke|list`` and ``eits-tracker audit``, run for real.

On PostgreSQL ``user add`` creates a LOGIN role, and roles belong to the whole cluster: every
login made here starts with ``eits_t_`` and is dropped by the ``logins`` fixture afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eits_tracker.config import load_settings
from eits_tracker.db.engine import normalise_url
from eits_tracker.db.setup import open_database
from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), params).all())
    engine.dispose()
    return rows


def _postgres(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "postgresql"


def _roles(value: Any) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value)


def _permission_changes(url: str) -> list[tuple[str, str, str, str]]:
    rows = _query(url, "SELECT changed_by, login, action, role FROM permission_change ORDER BY id")
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _pg_logins(url: str, names: list[str]) -> dict[str, bool]:
    """Which of these logins exist in the cluster, and whether each is in the group eits_user."""
    rows = _query(
        url,
        "SELECT r.rolname, r.rolcanlogin AND pg_has_role(r.rolname, 'eits_user', 'MEMBER') "
        "FROM pg_roles r WHERE r.rolname = ANY(:names)",
        names=names,
    )
    return {name: bool(ok) for name, ok in rows}


@pytest.fixture
def logins(db_url: str) -> Iterator[Callable[[str], str]]:
    """Unique login names; on PostgreSQL the roles made with them are dropped afterwards."""
    tag = uuid.uuid4().hex[:6]
    made: list[str] = []

    def new(suffix: str) -> str:
        name = f"eits_t_{tag}_{suffix}"
        made.append(name)
        return name

    yield new
    if _postgres(db_url):
        from pg_helpers import _pg_admin

        engine = _pg_admin()
        with engine.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        engine.dispose()


# --- user add ------------------------------------------------------------------------------


def test_user_add_creates_a_person_or_gives_an_existing_one_a_login(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    mari, kadri, vello = logins("mari"), logins("kadri"), logins("vello")
    r = cli(
        "user",
        "add",
        mari,
        "--name",
        "Mari Maasikas",
        "--email",
        " Mari@Kihnu.EE ",
        "--role",
        "contact",
        "--municipality",
        "Kihnu",
    )
    assert r.code == 0, r.err
    assert r.out.strip() == f"Mari Maasikas: login {mari}, roles contact"

    # An existing person (same e-mail, any case) gets the login; roles are added, the name kept.
    assert cli("mentor", "add", "Kadri Tamm", "--email", "kadri@tartu.ee", "--municipality", "Tartu linn").code == 0
    before = _query(db_url, "SELECT count(*) FROM person")[0][0]
    r = cli("user", "add", kadri, "--name", "Somebody Else", "--email", "KADRI@tartu.ee", "--role", "vaatleja")
    assert r.code == 0, r.err
    assert r.out.strip() == f"Kadri Tamm: login {kadri}, roles mentor, viewer"
    assert _query(db_url, "SELECT count(*) FROM person")[0][0] == before

    # Without --role: a viewer.
    assert cli("user", "add", vello, "--name", "Vello Vaatleja", "--email", "vello@elvl.ee").code == 0

    people = {
        row.login: row
        for row in _query(
            db_url, "SELECT login, name, email, municipality_id, roles FROM person WHERE login IS NOT NULL"
        )
    }
    kihnu = _query(db_url, "SELECT id FROM municipality WHERE name = 'Kihnu vald'")[0][0]
    tartu = _query(db_url, "SELECT id FROM municipality WHERE name = 'Tartu linn'")[0][0]
    assert (people[mari].name, people[mari].email, people[mari].municipality_id) == (
        "Mari Maasikas",
        "mari@kihnu.ee",
        kihnu,
    )
    assert _roles(people[mari].roles) == ["contact"]
    assert (people[kadri].name, people[kadri].municipality_id) == ("Kadri Tamm", tartu)
    assert _roles(people[kadri].roles) == ["mentor", "viewer"]
    assert _roles(people[vello].roles) == ["viewer"]
    assert _permission_changes(db_url) == [
        ("tester", mari, "add", "contact"),
        ("tester", "kadri@tartu.ee", "add", "mentor"),  # mentor add: roles are permissions too
        ("tester", kadri, "add", "viewer"),
        ("tester", vello, "add", "viewer"),
    ]

    r = cli("user", "list", "--json")
    assert r.code == 0, r.err
    listed = json.loads(r.out)
    pg = _postgres(db_url)
    assert listed == [  # Estonian alphabetical order of the names
        {
            "login": kadri,
            "name": "Kadri Tamm",
            "email": "kadri@tartu.ee",
            "municipality": "Tartu linn",
            "roles": ["mentor", "viewer"],
            "active": True,
            "database_login": True if pg else None,
        },
        {
            "login": mari,
            "name": "Mari Maasikas",
            "email": "mari@kihnu.ee",
            "municipality": "Kihnu vald",
            "roles": ["contact"],
            "active": True,
            "database_login": True if pg else None,
        },
        {
            "login": vello,
            "name": "Vello Vaatleja",
            "email": "vello@elvl.ee",
            "municipality": "",
            "roles": ["viewer"],
            "active": True,
            "database_login": True if pg else None,
        },
    ]
    if pg:  # a real LOGIN role in the group eits_user, for each of them
        assert _pg_logins(db_url, [mari, kadri, vello]) == {mari: True, kadri: True, vello: True}
    table = cli("user", "list").out
    assert "DB login" in table and "mentor, viewer" in table and "Kihnu vald" in table
    assert ("yes" in table) == pg


def test_user_list_says_when_the_database_login_is_missing(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    # `mentor add --login` maps a login to a person but creates no database login.
    assert (
        cli(
            "mentor", "add", "Kadri Tamm", "--email", "k@tartu.ee", "--municipality", "Tartu linn", "--login", "tester"
        ).code
        == 0
    )
    (row,) = json.loads(cli("user", "list", "--json").out)
    assert (row["login"], row["roles"]) == ("tester", ["mentor"])
    if _postgres(db_url):
        assert row["database_login"] is False
        assert "MISSING" in cli("user", "list").out
    else:
        assert row["database_login"] is None


def test_bad_user_add_exits_2_and_writes_nothing(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    taken = logins("taken")
    assert cli("user", "add", taken, "--name", "Esimene", "--email", "esimene@elvl.ee").code == 0
    before = {t: _query(db_url, f"SELECT count(*) FROM {t}")[0][0] for t in ("person", "permission_change")}
    fresh = logins("fresh")
    cases = [
        (("Kadri Tamm",), "not a usable login"),
        (("Kadri",), "not a usable login"),
        (("1kadri",), "not a usable login"),
        (("kadri;drop",), "not a usable login"),
        (("x" * 64,), "not a usable login"),
        ((taken,), "already belongs to Esimene"),
        ((fresh, "--role", "contact"), "municipality"),  # a contact needs a home municipality
        ((fresh, "--role", "boss"), "role:"),
        ((fresh, "--municipality", "Atlantis"), "no municipality 'Atlantis'"),
    ]
    for extra, message in cases:
        args = ["user", "add", *extra]
        if "--email" not in extra:
            args += ["--email", "teine@elvl.ee"]
        r = cli(*args, "--name", "Teine")
        assert r.code == 2, (extra, r.out, r.err)
        assert message in r.err and "Traceback" not in r.err, (extra, r.err)
    after = {t: _query(db_url, f"SELECT count(*) FROM {t}")[0][0] for t in ("person", "permission_change")}
    assert after == before
    if _postgres(db_url):
        assert _pg_logins(db_url, [fresh]) == {}  # the refused login was not created either


def test_user_add_refuses_a_contact_without_municipality_for_an_existing_person(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    assert cli("mentor", "add", "Vello Vaatleja", "--email", "vello@elvl.ee").code == 0  # no home municipality
    r = cli("user", "add", logins("vello"), "--name", "Vello", "--email", "vello@elvl.ee", "--role", "contact")
    assert r.code == 2, r.out
    assert "municipality" in r.err
    assert _permission_changes(db_url) == [("tester", "vello@elvl.ee", "add", "mentor")]  # only mentor add's


# --- user grant / revoke ---------------------------------------------------------------------


def test_grant_and_revoke_change_roles_and_are_recorded(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    jaan, vello = logins("jaan"), logins("vello")
    assert (
        cli("user", "add", jaan, "--name", "Jaan Mets", "--email", "jaan@voru.ee", "--municipality", "Võru linn").code
        == 0
    )
    assert cli("user", "add", vello, "--name", "Vello Vaatleja", "--email", "vello@elvl.ee").code == 0

    r = cli("user", "grant", jaan, "mentor")
    assert (r.code, r.out.strip()) == (0, "Jaan Mets: viewer, mentor"), r.err
    r = cli("user", "grant", jaan, "kontaktisik")  # Estonian role names work too
    assert (r.code, r.out.strip()) == (0, "Jaan Mets: viewer, mentor, contact"), r.err
    r = cli("user", "revoke", jaan, "viewer")
    assert (r.code, r.out.strip()) == (0, "Jaan Mets: mentor, contact"), r.err
    r = cli("user", "grant", jaan, "admin")
    assert (r.code, r.out.strip()) == (0, "Jaan Mets: mentor, contact, specialist"), r.err
    r = cli("user", "revoke", vello, "viewer")
    assert (r.code, r.out.strip()) == (0, "Vello Vaatleja: no role"), r.err

    before = _permission_changes(db_url)
    refusals = [
        (("grant", jaan, "mentor"), "Jaan Mets already has the role mentor"),
        (("revoke", jaan, "viewer"), "Jaan Mets does not have the role viewer"),
        (("revoke", vello, "viewer"), "does not have the role viewer"),
        (("grant", vello, "contact"), "has no home municipality: a contact needs one"),
        (("grant", vello, "boss"), "role:"),
        (("grant", "eits_t_nobody", "viewer"), "no user with login 'eits_t_nobody'"),
        (("revoke", "eits_t_nobody", "viewer"), "no user with login"),
    ]
    for args, message in refusals:
        r = cli("user", *args)
        assert r.code == 2, (args, r.out)
        assert message in r.err and "Traceback" not in r.err, (args, r.err)
    assert (
        _permission_changes(db_url)
        == before
        == [
            ("tester", jaan, "add", "viewer"),
            ("tester", vello, "add", "viewer"),
            ("tester", jaan, "grant", "mentor"),
            ("tester", jaan, "grant", "contact"),
            ("tester", jaan, "revoke", "viewer"),
            ("tester", jaan, "grant", "specialist"),
            ("tester", vello, "revoke", "viewer"),
        ]
    )
    listed = {u["login"]: u["roles"] for u in json.loads(cli("user", "list", "--json").out)}
    assert listed == {jaan: ["mentor", "contact", "specialist"], vello: []}


def test_permission_changes_are_append_only(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    login = logins("x")
    assert cli("user", "add", login, "--name", "X Y", "--email", "x@elvl.ee").code == 0
    engine = create_engine(normalise_url(db_url))
    try:
        for sql in ("UPDATE permission_change SET role = 'specialist'", "DELETE FROM permission_change"):
            with engine.connect() as conn, pytest.raises(Exception, match="append-only"):
                conn.execute(text(sql))
    finally:
        engine.dispose()
    assert _permission_changes(db_url) == [("tester", login, "add", "viewer")]


# --- audit -------------------------------------------------------------------------------------


def _mentor_network(cli, *munis_: str) -> None:  # type: ignore[no-untyped-def]
    """Kadri Tamm (login 'tester', the CLI's actor) mentors these municipalities around today."""
    today = datetime.now(TALLINN).date()
    r = cli(
        "mentor", "add", "Kadri Tamm", "--email", "kadri@tartu.ee", "--municipality", "Tartu linn", "--login", "tester"
    )
    assert r.code == 0, r.err
    for muni in munis_:
        r = cli(
            "mentor",
            "assign",
            "Kadri",
            muni,
            "--start",
            str(today - timedelta(30)),
            "--end",
            str(today + timedelta(30)),
        )
        assert r.code == 0, r.err


def _record_session(cli, muni: str, *extra: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    held = (datetime.now(TALLINN) - timedelta(days=2)).strftime("%Y-%m-%d 10:00")
    r = cli(
        "session",
        "record",
        "--municipality",
        muni,
        "--at",
        held,
        "--duration",
        "60",
        "--format",
        "video",
        *extra,
        "--json",
    )
    assert r.code == 0, r.err
    return json.loads(r.out)  # type: ignore[no-any-return]


def _seed_old_history(db_url: str) -> None:
    """Two status changes around midnight (Tallinn) between 1 and 2 March 2025."""
    db = open_database(load_settings(database_url=db_url, user="vana"), prepare=False)
    try:
        with db.session() as s:
            rapla = munis.find_municipality(s, "Rapla vald")
            for code, at in (
                ("ORP.4.M1", datetime(2025, 3, 1, 21, 30, tzinfo=UTC)),  # 23:30 on 1 March in Tallinn
                ("ORP.4.M2", datetime(2025, 3, 1, 22, 30, tzinfo=UTC)),  # 00:30 on 2 March in Tallinn
            ):
                set_status(s, municipality=rapla, measure_code=code, status="partial", actor="vana", changed_at=at)
            s.commit()
    finally:
        db.engine.dispose()


def _audit(cli, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = cli("audit", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)  # type: ignore[no-any-return]


def test_audit_lists_every_kind_of_change_newest_first(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    _seed_old_history(db_url)
    _mentor_network(cli, "Kihnu vald")
    assert cli("status", "set", "Tartu linn", "ORP.4.M1", "partial").code == 0
    assert cli("status", "set", "Kihnu", "ORP.4.M1", "rakendatud", "--note", "kinnitatud").code == 0
    due = str(datetime.now(TALLINN).date() + timedelta(days=10))
    rec = _record_session(cli, "Kihnu", "--followup", f"Varundusplaan;due={due}")
    (followup,) = rec["followups_created"]
    assert cli("followup", "close", str(followup)).code == 0
    login = logins("vello")
    assert cli("user", "add", login, "--name", "Vello Vaatleja", "--email", "vello@elvl.ee").code == 0
    assert cli("user", "grant", login, "mentor").code == 0

    entries = _audit(cli)
    moments = [datetime.fromisoformat(e["at"]) for e in entries]
    assert moments == sorted(moments, reverse=True)
    assert all(t.utcoffset() == timedelta(0) for t in moments)
    held = rec["held_at"][:10]
    assert [(e["kind"], e["who"], e["municipality"], e["what"]) for e in entries] == [
        ("permission", "tester", "", f"grant mentor for {login}"),
        ("permission", "tester", "", f"add viewer for {login}"),
        ("follow-up", "tester", "Kihnu vald", f"#{followup} done: Varundusplaan"),
        ("session", "tester", "Kihnu vald", f"session #{rec['id']} held {held} (60 min)"),
        ("status", "tester", "Kihnu vald", "ORP.4.M1: not_assessed → implemented (cli)"),
        ("status", "tester", "Tartu linn", "ORP.4.M1: not_assessed → partial (cli)"),
        ("permission", "tester", "", "add mentor for tester"),  # the network's mentor, added with a login
        ("status", "vana", "Rapla vald", "ORP.4.M2: not_assessed → partial (cli)"),
        ("status", "vana", "Rapla vald", "ORP.4.M1: not_assessed → partial (cli)"),
    ]

    kihnu = _audit(cli, "--municipality", "0303")  # Kihnu's EHAK code
    assert [e["kind"] for e in kihnu] == ["follow-up", "session", "status"]
    assert {e["municipality"] for e in kihnu} == {"Kihnu vald"}
    assert _audit(cli, "--municipality", "Ruhnu") == []

    # --since is a Tallinn day: 00:30 on 2 March is in, 23:30 on 1 March is not.
    since = _audit(cli, "--since", "2025-03-02")
    assert [e["what"] for e in since][-1] == "ORP.4.M2: not_assessed → partial (cli)"
    assert len(since) == len(entries) - 1
    assert len(_audit(cli, "--since", "2025-03-01")) == len(entries)
    tomorrow = str(datetime.now(TALLINN).date() + timedelta(days=1))
    assert _audit(cli, "--since", tomorrow) == []
    r = cli("audit", "--since", tomorrow)
    assert (r.code, r.out, r.err.strip()) == (0, "", "nothing recorded since then")
    assert [e["kind"] for e in _audit(cli, "--limit", "3")] == ["permission", "permission", "follow-up"]
    assert [e["what"] for e in _audit(cli, "--municipality", "Rapla", "--limit", "1")] == [
        "ORP.4.M2: not_assessed → partial (cli)"
    ]

    table = cli("audit").out
    assert "When (Tallinn)" in table and "2025-03-02 00:30" in table and "2025-03-01 23:30" in table
    assert f"grant mentor for {login}" in table

    bad = cli("audit", "--since", "2.3.2025")
    assert bad.code == 2 and "since" in bad.err
    bad = cli("audit", "--municipality", "Atlantis")
    assert bad.code == 2 and "no municipality 'Atlantis'" in bad.err


def test_audit_of_an_empty_database_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    assert _audit(cli) == []
    r = cli("audit")
    assert (r.code, r.err.strip()) == (0, "nothing recorded")


def test_audit_municipality_filter_is_applied_before_the_limit(cli) -> None:  # type: ignore[no-untyped-def]
    _mentor_network(cli, "Kihnu vald", "Tallinn")
    kihnu = _record_session(cli, "Kihnu")
    _record_session(cli, "Tallinn")  # recorded later, so newer
    entries = _audit(cli, "--municipality", "Kihnu", "--limit", "1")
    assert [(e["kind"], e["what"][:10]) for e in entries] == [("session", f"session #{kihnu['id']}"[:10])]


def test_every_role_given_to_a_login_is_in_the_audit(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("mentor", "add", "Anne Admin", "--email", "anne@elvl.ee", "--role", "specialist", "--login", "eits_t_anne")
    assert r.code == 0, r.err
    assert [e["what"] for e in _audit(cli) if e["kind"] == "permission"] == ["add specialist for eits_t_anne"]


# --- PostgreSQL: the same commands under a contact's own login ------------------------------


def test_audit_and_user_commands_under_a_contacts_login(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    if not _postgres(db_url):
        pytest.skip("on SQLite the file's owner is its administrator")
    contact = logins("contact")
    r = cli(
        "user",
        "add",
        contact,
        "--name",
        "Mari Maasikas",
        "--email",
        "mari@kihnu.ee",
        "--role",
        "contact",
        "--municipality",
        "Kihnu",
    )
    assert r.code == 0, r.err
    assert cli("status", "set", "Kihnu", "ORP.4.M1", "partial").code == 0
    assert cli("status", "set", "Tallinn", "ORP.4.M1", "partial").code == 0
    as_contact = make_url(normalise_url(db_url)).set(username=contact).render_as_string(hide_password=False)

    r = cli("audit", "--json", url=as_contact)
    assert r.code == 0, r.err
    seen = json.loads(r.out)
    assert [(e["kind"], e["municipality"]) for e in seen] == [("status", "Kihnu vald")]  # no Tallinn, no permissions

    r = cli("status", "set", "Kihnu", "ORP.4.M2", "partial", url=as_contact)
    assert r.code == 0, r.err
    newest = _audit(cli)[0]
    assert (newest["who"], newest["municipality"]) == (contact, "Kihnu vald")  # her login, not --user

    before = _permission_changes(db_url)
    for args in (
        ("user", "add", logins("other"), "--name", "Keegi", "--email", "keegi@kihnu.ee"),
        ("user", "grant", contact, "specialist"),
        ("user", "revoke", contact, "contact"),
    ):
        r = cli(*args, url=as_contact)
        assert r.code == 2, (args, r.out)
        assert r.err.startswith("Not permitted: Mari Maasikas (contact) may not"), r.err
    assert _permission_changes(db_url) == before
    r = cli("status", "set", "Tallinn", "ORP.4.M2", "partial", url=as_contact)
    assert r.code == 2 and "may not change the statuses of Tallinn" in r.err


def test_disable_and_enable_a_user(cli, db_url: str, logins) -> None:  # type: ignore[no-untyped-def]
    login = logins("mari")
    assert (
        cli(
            "user",
            "add",
            login,
            "--name",
            "Mari",
            "--email",
            "mari@kihnu.ee",
            "--role",
            "contact",
            "--municipality",
            "Kihnu",
        ).code
        == 0
    )
    r = cli("user", "disable", login)
    assert (r.code, r.out.strip()) == (0, "Mari: disabled"), r.err
    assert _query(db_url, "SELECT active FROM person WHERE login = :l", l=login)[0][0] in (False, 0)
    again = cli("user", "disable", login)
    assert again.code == 2 and "already disabled" in again.err
    if _postgres(db_url):
        assert _query(db_url, "SELECT rolcanlogin FROM pg_roles WHERE rolname = :l", l=login)[0][0] is False
    assert cli("user", "enable", login).code == 0
    if _postgres(db_url):
        assert _query(db_url, "SELECT rolcanlogin FROM pg_roles WHERE rolname = :l", l=login)[0][0] is True
    assert [c[2] for c in _permission_changes(db_url)][-2:] == ["disable", "enable"]
    assert cli("user", "disable", "nobody_here").code == 2
