"""The wiki in the real app, driven by Pilot on the demo database (30 demo pages): list, search, tags,
page, links, editor, drafts, a conflicting save, history and restore — asserted on the database and
on the screens' state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.widgets import Input, Label, Markdown, TextArea
from tui_helpers import dashboard, settle, until

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database
from eits_tracker.tui.rowtable import RowTable
from eits_tracker.wiki.pages import PageInput, get_page, update_page

SIZE = (120, 40)
BACKUP = "varukoopiate-kord-vaikesele-vallale"


def read(url: str, fn: Any) -> Any:
    db = open_database(load_settings(database_url=url), prepare=False)
    try:
        with db.session() as s:
            return fn(s)
    finally:
        db.engine.dispose()


async def wiki_list(pilot: Any) -> Any:
    from eits_tracker.tui.screens.wiki_list import WikiListScreen

    await dashboard(pilot)
    await pilot.press("w")
    await until(pilot, lambda: isinstance(pilot.app.screen, WikiListScreen) and pilot.app.screen.loaded)
    return pilot.app.screen


async def open_page(pilot: Any, slug: str) -> Any:
    from eits_tracker.tui.screens.wiki_page import WikiPageScreen

    screen = await wiki_list(pilot)
    assert screen.query_one(RowTable).move_to(slug)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, WikiPageScreen) and pilot.app.screen.page is not None)
    return pilot.app.screen


async def editor(pilot: Any) -> Any:
    from eits_tracker.tui.screens.wiki_editor import WikiEditorScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, WikiEditorScreen) and pilot.app.screen.ctx is not None)
    await settle(pilot)
    return pilot.app.screen


async def test_list_search_and_tag_filter(make_app: Any, demo_url: str) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        screen = await wiki_list(pilot)
        table = screen.query_one(RowTable)
        assert len(table.row_keys) == 30
        await pilot.press("f", *"varukoopia")
        await until(pilot, lambda: len(table.row_keys) < 30)
        assert BACKUP in table.row_keys and set(table.row_keys) <= {
            BACKUP,
            "varukoopia-taastetest-kord-kvartalis",
            "varundusplaani-mall",
            "pilveteenuse-valiku-kontroll-loend",
        }  # fmt: skip (the last one's text: "logid ja varukoopiad")
        screen.query_one("#wl-search", Input).value = ""
        screen.query_one("#wl-tag").value = "mall"
        await until(pilot, lambda: len(table.row_keys) < 30 and "paroolipoliitika-mall" in table.row_keys)
        assert all("mall" in p.tags for p in screen.pages)


async def test_page_shows_links_and_follows_them(make_app: Any, demo_url: str) -> None:
    from eits_tracker.tui.screens.catalogue import CatalogueScreen
    from eits_tracker.tui.screens.wiki_page import WikiPageScreen

    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        page = await open_page(pilot, BACKUP)
        assert str(page.query_one("#wp-title", Label).render()) == "Varukoopiate kord väikesele vallale"
        source = page.query_one(Markdown).source
        assert "[CON.3.M5 Regulaarne andmevarundus](eits:CON.3.M5)" in source
        assert "[Varundusplaani mall](wiki:varundusplaani-mall)" in source
        markdown = page.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "wiki:varundusplaani-mall"))
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiPageScreen) and pilot.app.screen is not page)
        await until(pilot, lambda: pilot.app.screen.page is not None)
        assert pilot.app.screen.slug == "varundusplaani-mall"
        markdown = pilot.app.screen.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "eits:CON.3.M4"))
        await until(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen))


async def test_catalogue_w_lists_the_best_practices_of_a_module(make_app: Any, demo_url: str) -> None:
    from eits_tracker.tui.screens.catalogue import CatalogueScreen
    from eits_tracker.tui.screens.wiki_list import WikiListScreen

    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        pilot.app.open_catalogue("CON.3")
        await until(pilot, lambda: isinstance(pilot.app.screen, CatalogueScreen) and pilot.app.screen.module == "CON.3")
        await settle(pilot)
        assert "Best practices (3, w)" in pilot.app.screen.query_one("#cat-text").source
        await pilot.press("w")
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiListScreen) and pilot.app.screen.loaded)
        assert pilot.app.screen.code == "CON.3"
        assert sorted(pilot.app.screen.query_one(RowTable).row_keys) == [
            "varukoopia-taastetest-kord-kvartalis", BACKUP, "varundusplaani-mall"
        ]  # fmt: skip


async def test_edit_and_save_makes_a_new_version(make_app: Any, demo_url: str) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        page = await open_page(pilot, "paroolipoliitika-mall")
        before = page.page["version"]
        await pilot.press("e")
        form = await editor(pilot)
        body = form.query_one("#we-body", TextArea)
        body.text = body.text + "\n\nLisatud: [[ORP.4.M9]] kaheastmeline."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pilot.app.screen is page and page.page["version"] == before + 1)
        assert "ORP.4.M9 " in page.query_one(Markdown).source
    saved = read(demo_url, lambda s: (get_page(s, "paroolipoliitika-mall").body, s.scalars(select(m.Draft)).all()))
    assert saved[0].endswith("Lisatud: [[ORP.4.M9]] kaheastmeline.") and saved[1] == []


async def test_a_refused_save_keeps_the_text_and_a_conflict_keeps_it_as_draft(make_app: Any, demo_url: str) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await open_page(pilot, BACKUP)
        await pilot.press("e")
        form = await editor(pilot)
        mine = "Minu uus tekst <script>x</script>"
        form.query_one("#we-body", TextArea).text = mine
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "raw HTML" in str(form.query_one("#we-error", Label).render()))
        assert pilot.app.screen is form and form.query_one("#we-body", TextArea).text == mine
        # Someone else saves the page meanwhile; my (now valid) save is refused, my text stays.
        version = read(demo_url, lambda s: get_page(s, BACKUP).version)

        def theirs(s: Any) -> None:
            update_page(s, BACKUP, PageInput("Teise inimese pealkiri", "Teine tekst"), actor="teine",
                        expected_version=version)  # fmt: skip
            s.commit()

        read(demo_url, theirs)
        form.query_one("#we-body", TextArea).text = "Minu uus tekst"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "saved this page meanwhile" in str(form.query_one("#we-error", Label).render()))
        assert pilot.app.screen is form and form.query_one("#we-body", TextArea).text == "Minu uus tekst"
        drafts = read(demo_url, lambda s: [d.payload["body"] for d in s.scalars(select(m.Draft))])
        assert drafts == ["Minu uus tekst"]
        assert read(demo_url, lambda s: get_page(s, BACKUP).body) == "Teine tekst"
        # Knowing that, a second Ctrl+S saves mine; theirs stays in the history.
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pilot.app.screen is not form)

    def now(s: Any) -> tuple[str, list[str]]:
        page = get_page(s, BACKUP)
        revs = s.scalars(select(m.WikiRevision).where(m.WikiRevision.page_id == page.id)).all()
        return page.body, [r.body for r in sorted(revs, key=lambda r: -r.version)]

    body, history = read(demo_url, now)
    assert body == "Minu uus tekst" and history[1] == "Teine tekst"


async def test_a_new_page_closed_by_accident_comes_back(make_app: Any, demo_url: str) -> None:
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await wiki_list(pilot)
        await pilot.press("n")
        form = await editor(pilot)
        await pilot.press(*"Pooleli leht")
        form.query_one("#we-body", TextArea).text = "Pooleli tekst"
        await settle(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: read(demo_url, lambda s: len(s.scalars(select(m.Draft)).all())) == 1)
    async with make_app(demo_url).run_test(size=SIZE) as pilot:  # a restart
        await wiki_list(pilot)
        await pilot.press("n")
        form = await editor(pilot)
        assert form.query_one("#we-title", Input).value == "Pooleli leht"
        assert form.query_one("#we-body", TextArea).text == "Pooleli tekst"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: getattr(pilot.app.screen, "slug", None) == "pooleli-leht")
    assert read(demo_url, lambda s: (get_page(s, "pooleli-leht").body, s.scalars(select(m.Draft)).all())) == (
        "Pooleli tekst",
        [],
    )


async def test_history_restores_an_earlier_version(make_app: Any, demo_url: str) -> None:
    from eits_tracker.tui.screens.wiki_history import WikiHistoryScreen

    def edited(s: Any) -> None:
        update_page(
            s, "varundusplaani-mall", PageInput("Varundusplaani mall", "Lühem"), actor="x", expected_version=None
        )
        s.commit()

    read(demo_url, edited)
    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await open_page(pilot, "varundusplaani-mall")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiHistoryScreen) and pilot.app.screen.rows)
        screen = pilot.app.screen
        table = screen.query_one(RowTable)
        newest = screen.version
        assert table.row_keys[0] == str(newest)
        await pilot.press("down", "r")
        await pilot.press("ctrl+s")  # the confirmation dialog's submit
        await until(pilot, lambda: screen.version == newest + 1)
    restored = read(demo_url, lambda s: get_page(s, "varundusplaani-mall").body)
    assert restored.startswith("Tabel, mille iga süsteemi kohta")


async def test_app_search_finds_wiki_pages(make_app: Any, demo_url: str) -> None:
    from eits_tracker.tui.screens.search import SearchScreen
    from eits_tracker.tui.screens.wiki_page import WikiPageScreen

    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("slash", *"õngitsus")
        await until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen) and pilot.app.screen.hits)
        kinds = [(h.kind, h.code) for h in pilot.app.screen.hits]
        assert ("wiki", "e-posti-ongitsuse-torje-ja-koolitus") in kinds
        index = kinds.index(("wiki", "e-posti-ongitsuse-torje-ja-koolitus"))
        pilot.app.screen.query_one(RowTable).move_to(str(index))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiPageScreen) and pilot.app.screen.page)
