"""Export and import of the wiki: the golden page file, the byte-identical round trip, no file outside
the export directory, no script in the HTML, and imports that are refused whole with file and line.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import Database, open_database
from eits_tracker.errors import ImportFileError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.wiki.export import ExportPathError, export_wiki, safe_target
from eits_tracker.wiki.importer import import_wiki
from eits_tracker.wiki.pages import PageInput, create_page, update_page

T0 = datetime(2026, 5, 14, 9, 30, 12, 345678, tzinfo=UTC)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fill(session: Session) -> None:
    tartu = munis.find_municipality(session, "Tartu linn").id
    create_page(
        session,
        PageInput(
            "Varukoopiate kord väikesele vallale",
            "## Kord\n\nIga öö ([[CON.3.M5]]), vt [[paroolipoliitika-mall|paroolid]] ja [[puuduv-leht]].\n\n"
            "```\n[[ei-ole-link]] <b>koodis</b>\n```\n\n| a | b |\n|---|---|\n| `x` | [RIA](https://ria.ee) |",
            ["varundus", "2024", "yes", "väike vald"],
            ["CON.3"],
            ["CON.3.M2", "CON.3.M15"],
        ),
        actor="kadri",
        author="Kadri Tamm: mentor",
        municipality_id=tartu,
        now=T0,
    )
    create_page(
        session,
        PageInput("Paroolipoliitika mall", "Mall: [[ORP.4.M8]], [[ORP.4]], [[varukoopiate-kord-vaikesele-vallale]]."),
        actor="jaan",
        author="#Jaan 'Juhan' Kask",
        now=T0,
        municipality_id=None,
    )
    create_page(session, PageInput("Tühi", ""), actor="jaan", now=T0, author="", municipality_id=None)
    session.commit()


GOLDEN = """---
title: Paroolipoliitika mall
tags: []
modules: []
measures: []
author: "#Jaan 'Juhan' Kask"
municipality: ""
updated: 2026-05-14T09:30:12Z
---

Mall: [ORP.4.M8](../modules/ORP.4.md "ORP.4.M8"), [ORP.4](../modules/ORP.4.md "ORP.4"), \
[Varukoopiate kord väikesele vallale](varukoopiate-kord-vaikesele-vallale.md).
"""


def test_export_writes_the_layout_and_a_second_export_changes_nothing(session: Session, tmp_path: Path) -> None:
    fill(session)
    out = tmp_path / "wiki"
    result = export_wiki(session, out)
    files = tree(out)
    assert result.pages == 3 and result.modules == 109 and result.written == len(files) == 3 + 109 + 1
    assert files["pages/paroolipoliitika-mall.md"].decode() == GOLDEN
    first = files["pages/varukoopiate-kord-vaikesele-vallale.md"].decode()
    assert first.startswith(
        '---\ntitle: Varukoopiate kord väikesele vallale\ntags: ["2024", varundus, väike vald, "yes"]\n'
        'modules: [CON.3]\nmeasures: [CON.3.M2, CON.3.M15]\nauthor: "Kadri Tamm: mentor"\nmunicipality: Tartu linn\n'
    )
    assert "[[ei-ole-link]] <b>koodis</b>" in first, "code blocks are left as they are"
    module = files["modules/CON.3.md"].decode()
    assert module.startswith("# CON.3 Andmevarunduse kontseptsioon\n")
    m5 = module.split("## CON.3.M5 ", 1)[1].split("## ", 1)[0]
    assert "- [Varukoopiate kord väikesele vallale](../pages/varukoopiate-kord-vaikesele-vallale.md)" in m5
    index = files["index.md"].decode()
    assert "- [Tühi](pages/tuhi.md)" in index and "(modules/ORP.4.md) (1 page)" in index
    assert [(b.slug, b.target) for b in result.broken] == [("varukoopiate-kord-vaikesele-vallale", "puuduv-leht")]
    again = export_wiki(session, out)
    assert (again.written, again.unchanged) == (0, len(files)) and tree(out) == files


def test_round_trip_export_import_export_is_byte_identical(session: Session, tmp_path: Path, empty_db_url: str) -> None:
    fill(session)
    update_page(
        session, "tuhi", PageInput("Tühi", "Nüüd mitte."), actor="jaan", expected_version=1, now=T0
    )  # a page with two revisions exports its current text
    session.commit()
    first, second = tmp_path / "one", tmp_path / "two"
    export_wiki(session, first, html=True)
    other = open_database(load_settings(database_url=empty_db_url, user="importer"))
    try:
        with other.session() as s:
            result = import_wiki(s, first, actor="importer")
            s.commit()
            assert sorted(result.created) == ["paroolipoliitika-mall", "tuhi", "varukoopiate-kord-vaikesele-vallale"]
            assert result.warnings == [
                "pages/varukoopiate-kord-vaikesele-vallale.md line 13: [[puuduv-leht]]: no such page"
            ]
            export_wiki(s, second, html=True)
            # Importing the same tree again with --update changes nothing.
            again = import_wiki(s, first, actor="importer", update=True)
            assert len(again.unchanged) == 3 and not again.created and not again.updated
    finally:
        other.engine.dispose()
    assert tree(first) == tree(second)
    assert len(tree(first)) == 2 * (3 + 109 + 1)


def test_no_page_can_write_outside_the_export_directory(session: Session, tmp_path: Path) -> None:
    fill(session)
    # A slug that the domain would never accept, put there behind its back.
    session.execute(text("UPDATE wiki_page SET slug = '../../escaped' WHERE slug = 'tuhi'"))
    session.commit()
    base = tmp_path / "box"  # (the test's SQLite file lives in tmp_path itself)
    base.mkdir()
    out = base / "export" / "wiki"
    with pytest.raises(ExportPathError, match="not a path of a wiki export"):
        export_wiki(session, out)
    assert tree(base) == {} and list(base.iterdir()) == [], "nothing at all was written"
    for bad in ("pages/../../x.md", "pages/a/b.md", "/etc/passwd", "modules/../../x.md", "pages/.md", "x.md"):
        with pytest.raises(ExportPathError):
            safe_target(out, bad)
    # A link inside the directory that points out of it: refused before anything is written.
    session.execute(text("UPDATE wiki_page SET slug = 'tuhi' WHERE slug = '../../escaped'"))
    session.commit()
    outside = base / "outside"
    outside.mkdir()
    out.mkdir(parents=True)
    os.symlink(outside, out / "pages")
    with pytest.raises(ExportPathError, match="outside"):
        export_wiki(session, out)
    assert list(outside.iterdir()) == [] and not (out / "index.md").exists()


def test_a_directory_that_is_not_an_export_is_not_overwritten(session: Session, tmp_path: Path) -> None:
    fill(session)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(ExportPathError, match="holds no wiki export"):
        export_wiki(session, mine)
    assert tree(mine) == {"notes.txt": b"mine"}
    # An earlier export: stale pages are removed, other files are kept.
    out = tmp_path / "wiki"
    export_wiki(session, out)
    (out / "README.md").write_text("kept")
    (out / "pages" / "old-page.md").write_text("---\ntitle: old\n---\n")
    result = export_wiki(session, out)
    assert result.removed == ["pages/old-page.md"] and (out / "README.md").read_text() == "kept"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_carries_no_script_whatever_the_database_holds(session: Session, tmp_path: Path) -> None:
    fill(session)
    evil = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))\n\n"
        '<a href="javascript:alert(4)">a</a> <iframe src="https://evil.example"></iframe>\n\n'
        '<div onclick="alert(5)" style="x">d</div>'
    )
    # Written behind the domain's back (it refuses all of this), as an older version or psql might have.
    session.execute(
        text("UPDATE wiki_page SET body = :b, title = :t, author = :a WHERE slug = 'tuhi'"),
        {"b": evil, "t": "<script>alert('title')</script>", "a": '"><svg onload=alert(6)>'},
    )
    session.commit()
    export_wiki(session, tmp_path / "site", html=True)
    pages = [p for p in (tmp_path / "site").rglob("*.html")]
    assert len(pages) == 3 + 109 + 1
    for page in pages:
        parser = _Collect()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not {"script", "iframe", "svg", "object", "embed"} & set(parser.tags), page
        assert not [k for k, _v in parser.attrs if k.startswith("on") or k == "style"], page
        assert not [v for _k, v in parser.attrs if v.strip().lower().startswith(("javascript:", "data:"))], page
    parser = _Collect()
    parser.feed((tmp_path / "site" / "pages" / "tuhi.html").read_text(encoding="utf-8"))
    assert "<script>alert('title')</script>" in "".join(parser.text), "the title is shown as text"


def _pages_and_revisions(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            int(s.scalar(select(func.count()).select_from(m.WikiPage)) or 0),
            int(s.scalar(select(func.count()).select_from(m.WikiRevision)) or 0),
        )


def test_a_bad_tree_is_refused_whole_naming_file_and_line(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        create_page(s, PageInput("Olemas", "x"), actor="a", now=T0)
        s.commit()
    pages = tmp_path / "pages"
    pages.mkdir()
    good = "---\ntitle: Hea\nmeasures: [ORP.4.M1]\n---\n\nKõik korras [[ORP.4.M1]].\n"
    (pages / "hea.md").write_text(good)
    (pages / "olemas.md").write_text("---\ntitle: Olemas\n---\n\nDuplikaat.\n")
    (pages / "katki.md").write_text("---\ntitle: [katki\ntags: x\n---\n")
    (pages / "tundmatu.md").write_text("---\ntitle: T\nmunicipality: Atlantise vald\n---\n\na\n\n[[ORP.4.M99]]\n")
    (pages / "skript.md").write_text("---\ntitle: S\n---\n\n<script>alert(1)</script>\n[x](../../../etc/passwd)\n")
    (pages / "Halb Nimi.md").write_text(good)
    (pages / "lisavali.md").write_text("---\ntitle: L\ncolour: red\n---\n")
    (pages / "lahti.md").write_text("---\ntitle: L\n")
    before = _pages_and_revisions(db)
    with db.session() as s, pytest.raises(ImportFileError) as info:
        import_wiki(s, tmp_path, actor="a")
    problems = info.value.problems
    expected = [
        "pages/Halb Nimi.md: the file name is the page's slug",
        "pages/katki.md line 2: not valid YAML",
        "pages/lahti.md: the front matter is not closed",
        "pages/lisavali.md line 3: unknown field 'colour'",
        "pages/olemas.md: a page 'olemas' exists already",
        "pages/skript.md line 5: raw HTML",
        "pages/skript.md line 6: the relative link '../../../etc/passwd' is not allowed",
        "pages/tundmatu.md line 8: [[ORP.4.M99]] is not a measure",
        "pages/tundmatu.md line 3: no municipality",
    ]
    assert len(problems) == len(expected), problems
    for want, got in zip(expected, problems, strict=True):
        assert got.startswith(want), (want, got)
    assert "nothing was imported" in info.value.message
    assert _pages_and_revisions(db) == before
