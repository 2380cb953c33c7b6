"""``eits-tracker wiki …`` run in-process against a real database: what a script sees (stdout, stderr,
exit code) and what is left in the database and on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database


def counts(url: str) -> tuple[int, int]:
    db = open_database(load_settings(database_url=url), prepare=False)
    try:
        with db.session() as s:
            return (
                int(s.scalar(select(func.count()).select_from(m.WikiPage)) or 0),
                int(s.scalar(select(func.count()).select_from(m.WikiRevision)) or 0),
            )
    finally:
        db.engine.dispose()


def test_write_edit_restore_and_list(cli: Callable[..., Any], tmp_path: Path, db_url: str) -> None:
    body = tmp_path / "body.md"
    body.write_text("Kord: [[CON.3.M2]] ja [[paroolid]].\n", encoding="utf-8")
    r = cli("wiki", "new", "Varukoopiate kord väikesele vallale", "--tag", "varundus,väike vald", "--module", "CON.3",
            "--body-file", str(body))  # fmt: skip
    assert r.code == 0, r.err
    slug = r.out.strip()
    assert slug == "varukoopiate-kord-vaikesele-vallale"
    r = cli("wiki", "list", "--code", "CON.3.M2", "--json")
    (page,) = json.loads(r.out)
    assert (page["slug"], page["tags"], page["modules"], page["version"]) == (slug, ["varundus", "väike vald"],
                                                                               ["CON.3"], 1)  # fmt: skip
    assert cli("wiki", "edit", slug, "--title", "Varundus väikeses vallas", "--expected-version", "1").code == 0
    # A script that read version 1 earlier is refused, and nothing changes.
    r = cli("wiki", "edit", slug, "--title", "Vana", "--expected-version", "1")
    assert r.code == 2 and "Changed by someone else" in r.err and "version 2" in r.err
    r = cli("wiki", "restore", slug, "1", "--expected-version", "2")
    assert r.code == 0 and "restored as version 3" in r.err
    history = json.loads(cli("wiki", "history", slug, "--json").out)
    assert [(h["version"], h["note"], h["title"]) for h in history] == [
        (3, "restored version 1", "Varukoopiate kord väikesele vallale"),
        (2, "", "Varundus väikeses vallas"),
        (1, "created", "Varukoopiate kord väikesele vallale"),
    ]
    r = cli("wiki", "show", slug)
    assert r.code == 0 and r.out.startswith("# Varukoopiate kord väikesele vallale\n") and "[[CON.3.M2]]" in r.out
    r = cli("wiki", "check")
    assert r.code == 1 and f"{slug} line 1: [[paroolid]]: no such page" in r.out


def test_bad_input_exits_2_naming_the_field_and_writes_nothing(cli: Callable[..., Any], tmp_path: Path,
                                                                  db_url: str) -> None:  # fmt: skip
    body = tmp_path / "body.md"
    body.write_text("a\n<script>alert(1)</script>\n[[ORP.4.M99]]\n", encoding="utf-8")
    r = cli("wiki", "new", "Halb", "--measure", "ORP.4.M1,XYZ.1.M1", "--body-file", str(body))
    assert r.code == 2 and r.out == ""
    assert "measures: XYZ.1.M1 is not a measure" in r.err and "line 2: raw HTML" in r.err
    assert "line 3: [[ORP.4.M99]] is not a measure" in r.err and "nothing was saved" in r.err
    r = cli("wiki", "new", "Halb", "--slug", "../x")
    assert r.code == 2 and "slug: '../x' is not a slug" in r.err
    assert cli("wiki", "show", "puudub").code == 2
    assert counts(db_url) == (0, 0)


def test_export_then_import_into_an_empty_database(cli: Callable[..., Any], tmp_path: Path, empty_db_url: str) -> None:
    assert cli("wiki", "new", "Paroolipoliitika mall", "--measure", "ORP.4.M8").code == 0
    out = tmp_path / "export"
    r = cli("wiki", "export", str(out), "--html", "--json")
    assert r.code == 0, r.err
    summary = json.loads(r.out)
    assert (summary["pages"], summary["modules"], summary["broken_links"]) == (1, 109, 0)
    assert (out / "pages" / "paroolipoliitika-mall.html").is_file() and (out / "modules" / "ORP.4.md").is_file()
    r = cli("wiki", "import", str(out), url=empty_db_url)
    assert r.code == 0 and "imported 1 new page(s)" in r.out, r.err
    again = tmp_path / "again"
    assert cli("wiki", "export", str(again), "--html", url=empty_db_url).code == 0
    files = lambda root: {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    assert files(out) == files(again)
    # Importing again without --update: the page exists; refused whole, exit 2, file named.
    r = cli("wiki", "import", str(out), url=empty_db_url)
    assert r.code == 2 and "pages/paroolipoliitika-mall.md: a page 'paroolipoliitika-mall' exists already" in r.err
    assert counts(empty_db_url) == (1, 1)
