"""The command line, run for real against this test's database (never the TUI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select, text

from eits_tracker.db import models as m
from eits_tracker.db.engine import normalise_url


def _rows(url: str, sql: str) -> int:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        n = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(n)


def test_catalog_list_json_shows_both_editions_with_the_real_counts(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("catalog", "list", "--json")
    assert r.code == 0, r.err
    data = {e["key"]: e for e in json.loads(r.out)}
    assert (data["2023"]["modules"], data["2023"]["measures"]) == (107, 1771)
    assert data["2023"]["levels"] == {"basic": 588, "standard": 786, "high": 397}
    assert (data["2024"]["modules"], data["2024"]["measures"]) == (109, 1802)
    assert data["2024"]["levels"] == {"basic": 618, "standard": 781, "high": 403}
    assert data["2023"]["profiles"]["kov"] == {"measures": 996, "modules": 83, "P1": 183, "P2": 665, "P3": 148}
    assert data["2024"]["layers"] == data["2023"]["layers"] == 10
    assert data["2024"]["threats"] == 47


def test_catalog_show_module_and_measure(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("catalog", "show", "ORP.4", "--json")
    assert r.code == 0 and json.loads(r.out)["measures"][0]["code"] == "ORP.4.M1"
    r = cli("catalog", "show", "ORP.4.M1", "--edition", "2023", "--json")
    data = json.loads(r.out)
    assert data["level"] == "basic" and data["text"] and data["threats"]
    assert cli("catalog", "show", "XYZ.9").code == 2


def test_catalog_diff_json(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("catalog", "diff", "2023", "2024", "--json")
    data = json.loads(r.out)
    assert {"SYS.2.5.M1", "APP.EE.2.M1"} <= {c["code"] for c in data["added"]}
    assert data["counts"]["removed"] == len(data["removed"]) > 0
    assert "2023 → 2024" in cli("catalog", "diff", "2023", "2024").out


def test_status_set_appears_in_history_with_old_and_new(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("status", "set", "Tartu linn", "ORP.4.M1", "partial", "--owner", "IT-juht", "--due", "2026-12-31")
    assert r.code == 0, r.err
    assert "not_assessed → partial" in r.out
    assert cli("status", "set", "0793", "ORP.4.M1", "rakendatud", "--note", "kinnitatud").code == 0
    h = json.loads(cli("status", "history", "Tartu linn", "ORP.4.M1", "--json").out)
    assert [(x["old_status"], x["new_status"]) for x in h] == [(None, "partial"), ("partial", "implemented")]
    assert h[0]["changed_by"] == "tester" and h[0]["changes"]["due_date"] == [None, "2026-12-31"]
    text_out = cli("status", "history", "Tartu linn", "ORP.4.M1").out
    assert "partial → implemented" in text_out and "kinnitatud" in text_out
    shown = {x["code"]: x for x in json.loads(cli("status", "show", "Tartu linn", "--module", "ORP.4", "--json").out)}
    assert shown["ORP.4.M1"]["status"] == "implemented"


def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (("status", "set", "Tartuu", "ORP.4.M1", "implemented"), "did you mean"),
        (("status", "set", "Tartu linn", "ORP.4.M1", "done"), "unknown status"),
        (("status", "set", "Tartu linn", "ORP.4.M1", "not_applicable"), "justification"),
        (("status", "set", "Tartu linn", "ORP.4.M1", "partial", "--due", "tomorrow"), "YYYY-MM-DD"),
        (("status", "set", "Tartu linn", "ORP.4.M999", "partial"), "ORP.4.M999"),
        (("municipality", "exclude-module", "Tartu linn", "ORP.4", "--reason", ""), "reason"),
        (("catalog", "diff", "2023", "2031"), "no catalogue edition '2031'"),
    ]
    for args, message in cases:
        r = cli(*args)
        assert r.code == 2, (args, r.out, r.err)
        assert message in r.err, (args, r.err)
        assert "Traceback" not in r.err
    assert _rows(db_url, "SELECT count(*) FROM status_history") == 0
    assert _rows(db_url, "SELECT count(*) FROM module_applicability") == 0


def test_municipality_commands(cli) -> None:  # type: ignore[no-untyped-def]
    listed = json.loads(cli("municipality", "list", "--json").out)
    assert len(listed) == 79 and {x["kind"] for x in listed} == {"linn", "vald"}
    assert len(json.loads(cli("municipality", "list", "--county", "Tartu linn", "--json").out)) < 79
    assert cli("municipality", "set-approach", "Tartu linn", "standardturve").code == 0
    assert (
        cli("municipality", "exclude-module", "Tartu linn", "APP.EE.1", "--reason", "no own X-tee services").code == 0
    )
    assert cli("municipality", "apply-module", "Tartu linn", "IND.2.1").code == 0
    shown = json.loads(cli("municipality", "show", "Tartu linn", "--json").out)
    assert shown["approach"] == "standard" and shown["ehak_code"] == "0793"
    assert shown["excluded_modules"] == [{"module": "APP.EE.1", "reason": "no own X-tee services"}]
    assert "IND.2.1" in shown["applicable_modules"] and "APP.EE.1" not in shown["applicable_modules"]


def test_status_export_import_round_trip(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "rapla.xlsx"
    r = cli("status", "export", "Rapla", "--format", "xlsx", "--out", str(out))
    assert r.code == 0, r.err
    wb = load_workbook(out)
    ws = wb.active
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    ws.cell(row=3, column=col["status"], value="R")
    code = ws.cell(row=3, column=col["measure"]).value
    wb.save(out)
    r = cli("status", "import", str(out), "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["changed"] == 1
    assert json.loads(cli("status", "history", "Rapla", code, "--json").out)[-1]["source"] == "import"
    all_csv = tmp_path / "all.csv"
    assert cli("status", "export", "--all", "--format", "csv", "--out", str(all_csv)).code == 0
    assert all_csv.read_text(encoding="utf-8-sig").count("\n") > 79 * 500
    assert cli("status", "export", "--format", "csv", "--out", str(all_csv)).code == 2


def test_status_migrate_all(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        e23 = conn.execute(text("SELECT id FROM edition WHERE key = '2023'")).scalar_one()
        conn.execute(text("UPDATE municipality SET edition_id = :e"), {"e": e23})
    engine.dispose()
    assert cli("status", "set", "Tartu linn", "ISMS.1.M1", "implemented").code == 0
    r = cli("status", "migrate", "--all", "--to", "2024", "--json")
    assert r.code == 0, r.err
    results = json.loads(r.out)
    assert len(results) == 79 and sum(x["kept"] for x in results) == 1
    assert _rows(db_url, "SELECT count(*) FROM edition_migration") == 79
    r = cli("status", "migrate", "Tartu linn", "--to", "2024")
    assert "already on 2024" in r.out


def test_catalog_import_and_oscal_export(cli, tmp_path: Path, sources: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("catalog", "import", str(sources / "oscal/grundschutz-plusplus-catalog.json"), "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["measures"] == 989
    again = cli("catalog", "import", str(sources / "oscal/grundschutz-plusplus-catalog.json"), "--json")
    assert json.loads(again.out)["already_loaded"] is True
    out = tmp_path / "eits-2024-oscal.json"
    assert cli("catalog", "export", "--edition", "2024", "--format", "oscal", "--out", str(out)).code == 0
    from trestle.oscal.catalog import Catalog

    catalog = Catalog.oscal_read(out)
    assert catalog is not None
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "eits-tracker-catalog", "edition": {', encoding="utf-8")
    r = cli("catalog", "import", str(broken))
    assert r.code == 2 and "broken.json" in r.err and "line 1" in r.err


def test_db_current_and_upgrade(cli) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("db", "current", "--json").out)
    assert data["up_to_date"] is True and data["current"] == data["head"]
    assert "password" not in data["database"]
    assert cli("db", "upgrade").code == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_installed_command_on_a_fresh_database(tmp_path: Path, backend: str) -> None:
    """The real console script, as a user runs it: first start migrates, loads and says so."""
    exe = Path(sys.executable).parent / "eits-tracker"
    env = {**os.environ, "EITS_DATA_DIR": str(tmp_path / "data"), "EITS_CONFIG_DIR": str(tmp_path / "cfg")}
    env.pop("EITS_DATABASE_URL", None)
    # Without a terminal the bare command prints the overview instead of starting the app.
    first = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    assert "created the database schema" in first.stderr and "added 79 municipalities" in first.stderr
    assert "79 municipalities" in first.stdout and "2024" in first.stdout
    assert "not a terminal" in first.stderr
    assert (tmp_path / "data" / "eits-tracker.sqlite3").is_file()
    bad = subprocess.run(
        [str(exe), "status", "set", "Nowhere", "ORP.4.M1", "implemented"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "no municipality 'Nowhere'" in bad.stderr and "Traceback" not in bad.stderr
    unreachable = subprocess.run(
        [str(exe), "--database-url", "postgresql://x@127.0.0.1:1/none", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert unreachable.returncode == 2 and "cannot connect" in unreachable.stderr


def test_history_counts_match_after_cli_changes(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    for status in ("not_implemented", "partial", "implemented"):
        assert cli("status", "set", "Valga", "ISMS.1.M1", status).code == 0
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(m.StatusHistory.__table__)).scalar_one()
    engine.dispose()
    assert n == 3


def test_the_bare_command_builds_the_app_with_the_cli_settings(tmp_path: Path) -> None:
    """`eits-tracker --lang et --user mari --database-url …` hands exactly those settings to the app."""
    from eits_tracker.cli.tui import build_app
    from eits_tracker.config import load_settings
    from eits_tracker.tui.app import EitsApp

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    app = build_app(load_settings(database_url=url, language="et", user="mari"), open_municipality="0793")
    assert isinstance(app, EitsApp)
    assert app.settings.resolved_database_url() == url
    assert (app.actor, app.open_municipality, app.database) == ("mari", "0793", None)
    from eits_tracker.tui.i18n import _, set_language

    try:
        assert _("Quit") == "Välju"
    finally:
        set_language("en")


def test_tui_command_passes_root_options_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real command line, stopped at the moment the app would start: the app got the options."""
    from eits_tracker.cli import main
    from eits_tracker.tui.app import EitsApp
    from eits_tracker.tui.i18n import set_language

    started: list[EitsApp] = []
    monkeypatch.setattr(EitsApp, "run", lambda self, *a, **k: started.append(self))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    try:
        assert main(["--database-url", url, "--lang", "et", "--user", "mari", "tui", "Tartu linn"]) == 0
    finally:
        set_language("en")
    (app,) = started
    assert app.settings.resolved_database_url() == url
    assert (app.settings.resolved_language(), app.actor, app.open_municipality) == ("et", "mari", "Tartu linn")


def test_a_mistyped_option_is_a_usage_error_not_a_traceback(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("mentor", "activity", "--bogus")
    assert r.code == 2
    assert "No such option: --bogus" in r.err and "Traceback" not in r.err
    r = cli("status", "set")
    assert r.code == 2 and "Missing argument" in r.err


def test_a_file_that_is_not_a_database_is_a_clear_error(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n", encoding="utf-8")
    r = cli("overview", url=f"sqlite:///{path}")
    assert r.code == 2 and "file is not a database" in r.err and "Traceback" not in r.err
    assert path.read_text(encoding="utf-8") == "not a database\n"
