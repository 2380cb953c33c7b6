"""The wiki's domain: slugs, links, what a body may hold, saving with revisions, conflicts, rights.

Runs on SQLite and PostgreSQL (the ``session`` fixture). Measure codes are real codes of the
shipped E-ITS 2024 catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from eits_tracker.access import ADMIN, CONTACT, MENTOR, VIEWER, Access, NotPermitted
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.wiki import links as lk
from eits_tracker.wiki.pages import (
    PageConflict,
    PageInput,
    PageInvalid,
    broken_links,
    create_page,
    get_page,
    list_pages,
    restore_revision,
    revisions,
    update_page,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- text rules (no database) --------------------------------------------------------------------


def test_slugs_are_transliterated_and_strict() -> None:
    assert lk.slugify("Varukoopiate kord väikesele vallale") == "varukoopiate-kord-vaikesele-vallale"
    assert lk.slugify("Tööjaama turvaseadistus (Windows 11)") == "toojaama-turvaseadistus-windows-11"
    assert lk.slugify("Šokolaad & žürii") == "sokolaad-zurii"
    assert lk.slugify("../../etc/passwd") == "etc-passwd"
    assert len(lk.slugify("sõna " * 40)) <= lk.SLUG_MAX
    for bad in ("../x", "a/b", "A-b", "a--b", "-a", "a-", "a.md", "", "ä", "x" * 81, "a b", "..", "."):
        assert not lk.is_slug(bad), bad
        assert lk.slug_problem(bad)
    assert lk.is_slug("paroolipoliitika-mall-2")


def test_links_outside_code_are_found_and_classified() -> None:
    body = "See [[ORP.4.M1]], [[orp.4]] and [[backup-kord|the routine]].\n`[[CON.3.M2]]`\n```\n[[CON.3]]\n```\n[[a/b]]"
    found = lk.links(body)
    assert [(x.kind, x.target, x.label, x.line) for x in found] == [
        ("measure", "ORP.4.M1", "", 1),
        ("module", "ORP.4", "", 1),
        ("page", "backup-kord", "the routine", 1),
        ("bad", "a/b", "", 6),
    ]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("ok\n<script>alert(1)</script>", 2, "raw HTML"),
        ("<img src=x onerror=alert(1)>", 1, "raw HTML"),
        ("x <!-- hidden -->", 1, "raw HTML"),
        ("[click](javascript:alert(1))", 1, "scheme"),
        ("![x](data:image/png;base64,AAAA)", 1, "scheme"),
        ("\n\n[up](../../etc/passwd)", 3, "relative link"),
        ("[other](other.md)", 1, "relative link"),
        ("[r]: ../secret", 1, "relative link"),
        ("[[../evil]]", 1, "neither a catalogue code"),
    ],
)
def test_unsafe_bodies_are_named_with_their_line(body: str, line: int, words: str) -> None:
    problems = lk.body_problems(body)
    assert problems and problems[0][0] == line and words in problems[0][1]


def test_what_a_body_may_hold() -> None:
    body = (
        "# Pealkiri\n\nA < b, <https://eits.ria.ee>, <info@ria.ee>, [RIA](https://ria.ee), [top](#pealkiri),\n"
        "[mail](mailto:x@y.ee), `<script>` in code, and\n\n```html\n<script>shown as text</script>\n```\n"
    )
    assert lk.body_problems(body) == []


def test_the_file_form_of_links_reads_back() -> None:
    titles = {"backup-kord": "Varukoopiate kord", "other": "Teine"}
    body = (
        "[[ORP.4.M1]] [[ORP.4.M1|parool]] [[CON.3]] [[backup-kord]] [[other|vaata]] [[missing]]\n"
        '`[[CON.3.M2]]` [web](https://x.ee "t")'
    )
    file_form = lk.to_file_form(body, titles=titles, measure_modules={"ORP.4.M1": "ORP.4"}, prefix="../")
    assert file_form.splitlines()[0] == (
        '[ORP.4.M1](../modules/ORP.4.md "ORP.4.M1") [parool](../modules/ORP.4.md "ORP.4.M1") '
        '[CON.3](../modules/CON.3.md "CON.3") [Varukoopiate kord](backup-kord.md) [vaata](other.md) '
        "[missing](missing.md)"
    )
    assert lk.from_file_form(file_form, titles=titles) == body


# --- saving ------------------------------------------------------------------------------------------


def backup_page() -> PageInput:
    return PageInput(
        title="Varukoopiate kord väikesele vallale",
        body="## Kord\n\nVarunda iga öö ([[CON.3.M5]]), testi kord kvartalis ([[CON.3.M15]]).\r\n\n\n",
        tags=["Varundus", "väike vald", "varundus"],
        modules=["con.3"],
        measures=["CON.3.M2"],
    )


def test_a_page_is_created_with_its_first_revision_and_references(session: Session) -> None:
    page = create_page(session, backup_page(), actor="kadri", now=T0)
    session.commit()
    assert page.slug == "varukoopiate-kord-vaikesele-vallale" and page.version == 1
    assert page.tags == ["varundus", "väike vald"] and page.modules == ["CON.3"] and page.measures == ["CON.3.M2"]
    assert page.body.endswith("([[CON.3.M15]]).") and "\r" not in page.body
    assert page.created_at == T0 and page.updated_by == "kadri"
    (rev,) = revisions(session, page.slug)
    assert (rev.version, rev.body, rev.edited_by, rev.note) == (1, page.body, "kadri", "created")
    refs = set(session.execute(select(m.WikiRef.kind, m.WikiRef.target)).all())
    assert refs == {("module", "CON.3"), ("measure", "CON.3.M2"), ("measure", "CON.3.M5"), ("measure", "CON.3.M15")}
    # A derived slug that is taken gets a number; a given one that is taken is refused.
    again = create_page(session, backup_page(), actor="kadri", now=T0)
    assert again.slug == "varukoopiate-kord-vaikesele-vallale-2"
    with pytest.raises(PageInvalid, match="exists already") as info:
        create_page(session, PageInput("X", slug="varukoopiate-kord-vaikesele-vallale"), actor="kadri")
    assert info.value.field == "slug"


def test_pages_of_a_measure_and_of_a_module(session: Session) -> None:
    create_page(session, backup_page(), actor="a", now=T0)
    create_page(session, PageInput("Moodul", "Üldiselt [[CON.3]]."), actor="a", now=T0)
    create_page(session, PageInput("Paroolid", "[[ORP.4.M8]]"), actor="a", now=T0)
    titles = lambda code: [p.title for p in list_pages(session, code=code)]  # noqa: E731
    assert titles("CON.3.M5") == ["Moodul", "Varukoopiate kord väikesele vallale"]  # the module's pages too
    assert titles("CON.3") == ["Moodul", "Varukoopiate kord väikesele vallale"]
    assert titles("ORP.4") == ["Paroolid"] and titles("SYS.2.1.M1") == []
    assert [p.title for p in list_pages(session, tag="Väike vald")] == ["Varukoopiate kord väikesele vallale"]


def test_bad_input_is_refused_whole_with_every_problem(session: Session) -> None:
    data = PageInput(
        title="  ",
        body="ok\n[[ORP.4.M99]] and [[XYZ.9]]\n<script>x</script>",
        tags=["a,b"],
        measures=["ORP.4.M1", "NOPE.1.M1"],
        slug="Bad Slug",
    )
    with pytest.raises(PageInvalid) as info:
        create_page(session, data, actor="a")
    where = [w for w, _ in info.value.problems]
    assert where == ["title", "slug", "tags", "measures", "line 3", "line 2", "line 2"]  # body: HTML, then codes
    text_ = info.value.message
    assert "NOPE.1.M1 is not a measure" in text_ and "[[ORP.4.M99]] is not a measure" in text_
    assert "[[XYZ.9]] is not a module" in text_ and "raw HTML" in text_
    assert count(session, m.WikiPage) == count(session, m.WikiRevision) == 0


def test_edits_keep_every_revision_and_a_stale_save_is_refused(session: Session) -> None:
    page = create_page(session, backup_page(), actor="kadri", now=T0)
    slug = page.slug
    changed = PageInput(page.title, page.body + "\n\nLisaks: võrguväline koopia.", ["varundus"], ["CON.3"], [])
    update_page(session, slug, changed, actor="jaan", expected_version=1, now=T1)
    session.commit()
    assert get_page(session, slug).version == 2
    # Same text again: no new revision.
    update_page(session, slug, changed, actor="jaan", expected_version=2, now=T1)
    assert get_page(session, slug).version == 2
    # Someone who started from version 1 is refused and nothing changes.
    with pytest.raises(PageConflict, match="jaan") as info:
        update_page(session, slug, PageInput("Mine", "mine"), actor="mari", expected_version=1)
    assert info.value.current_version == 2
    restore_revision(session, slug, 1, actor="kadri", expected_version=2, now=T1)
    session.commit()
    history = revisions(session, slug)
    assert [(r.version, r.edited_by, r.note) for r in history] == [
        (3, "kadri", "restored version 1"),
        (2, "jaan", ""),
        (1, "kadri", "created"),
    ]
    assert history[0].body == history[2].body and get_page(session, slug).measures == ["CON.3.M2"]
    with pytest.raises(NotFoundError, match="no version 9"):
        restore_revision(session, slug, 9, actor="kadri", expected_version=None)
    with pytest.raises(NotFoundError, match="Did you mean: varukoopiate"):
        get_page(session, "varukoopiate")


def test_revisions_are_append_only(session: Session) -> None:
    create_page(session, backup_page(), actor="a", now=T0)
    session.commit()
    for statement in ("UPDATE wiki_revision SET body = 'x'", "DELETE FROM wiki_revision"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(select(m.WikiRevision.body)) != "x"


def test_broken_links_are_reported(session: Session) -> None:
    create_page(session, PageInput("Üks", "a\n[[kaks]] [[puudub]]"), actor="a", now=T0)
    create_page(session, PageInput("Kaks", "[[uks]]"), actor="a", now=T0)
    assert [(b.slug, b.line, b.target, b.why) for b in broken_links(session)] == [("uks", 2, "puudub", "no such page")]


# --- who may -----------------------------------------------------------------------------------------


def as_(session: Session, *roles: str, home: int | None = None) -> None:
    session.info["access"] = Access(login="u", name="Kasutaja", roles=frozenset(roles), home_id=home)


def test_every_role_reads_writers_are_mentors_specialists_and_contacts_of_their_own(session: Session) -> None:
    kihnu = munis.find_municipality(session, "Kihnu vald").id
    tartu = munis.find_municipality(session, "Tartu linn").id
    as_(session, ADMIN)
    create_page(session, PageInput("Tartu kord", "x"), actor="admin", author="Kadri Tamm", municipality_id=tartu)
    session.commit()
    as_(session, VIEWER)
    assert [p.title for p in list_pages(session)] == ["Tartu kord"]
    with pytest.raises(NotPermitted):
        create_page(session, PageInput("Vaataja", "x"), actor="u")
    as_(session)  # a login without any role
    with pytest.raises(NotPermitted):
        list_pages(session)
    as_(session, CONTACT, home=kihnu)
    own = create_page(session, PageInput("Kihnu kogemus", "x"), actor="u")
    assert own.municipality_id == kihnu and own.author == "Kasutaja"
    update_page(session, own.slug, PageInput("Kihnu kogemus", "y"), actor="u", expected_version=1)
    with pytest.raises(NotPermitted, match="contact the pages of their own"):
        update_page(session, "tartu-kord", PageInput("Tartu kord", "z"), actor="u", expected_version=1)
    with pytest.raises(NotPermitted, match="someone else's name"):
        create_page(session, PageInput("Võõras", "x"), actor="u", author="Keegi", municipality_id=tartu)
    as_(session, MENTOR, home=tartu)
    update_page(session, own.slug, PageInput("Kihnu kogemus", "mentor täiendas"), actor="u", expected_version=2)
    assert get_page(session, own.slug).body == "mentor täiendas"
