"""Snapshots of the wiki's screens on the demo database (30 demo pages); see test_snapshots.py for how
to update them. Each docstring says what the picture must show."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import TextArea
from tui_helpers import dashboard, steady, until

from eits_tracker.tui.rowtable import RowTable

LANGS = ["en", "et"]


async def _list(pilot: Any) -> Any:
    from eits_tracker.tui.screens.wiki_list import WikiListScreen

    await dashboard(pilot)
    await pilot.press("w")
    await until(pilot, lambda: isinstance(pilot.app.screen, WikiListScreen) and pilot.app.screen.loaded)
    return pilot.app.screen


async def _page(pilot: Any, slug: str) -> Any:
    from eits_tracker.tui.screens.wiki_page import WikiPageScreen

    screen = await _list(pilot)
    screen.query_one(RowTable).move_to(slug)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, WikiPageScreen) and pilot.app.screen.page is not None)
    return pilot.app.screen


@pytest.mark.parametrize("lang", LANGS)
def test_wiki_list(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Wiki page list: title 'Best practices', the search box and the tag filter; 30 demo pages in Estonian
    alphabetical order with tags, E-ITS codes, author and municipality, date; '30 pages' below; footer:
    new page, find, back."""

    async def run_before(pilot: Any) -> None:
        await _list(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_wiki_page(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Page 'Varukoopiate kord väikesele vallale': the meta line (tags, E-ITS codes, author and municipality,
    updated, version), headings, a numbered list whose [[links]] show as links with the measures' titles
    (CON.3.M5 Regulaarne andmevarundus …) and the link to 'Varundusplaani mall'; footer: edit, history, back."""

    async def run_before(pilot: Any) -> None:
        await _page(pilot, "varukoopiate-kord-vaikesele-vallale")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 30), run_before=run_before)


def test_wiki_editor(snap_compare: Any, make_app: Any, demo_url: str) -> None:
    """Editor of 'Paroolipoliitika mall': title, tags, modules and measures fields filled; the Markdown
    text on the left with highlighted headings and list markers; on the right the live preview with the
    links in bold as titles (ORP.4.M22 Parooli kvaliteedinõuete kehtestamine …); footer: save, preview,
    close (keeps draft)."""

    async def run_before(pilot: Any) -> None:
        from eits_tracker.tui.screens.wiki_editor import WikiEditorScreen

        await _page(pilot, "paroolipoliitika-mall")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiEditorScreen) and pilot.app.screen.ctx)
        pilot.app.screen.query_one("#we-body", TextArea).focus()
        await steady(pilot)

    assert snap_compare(make_app(demo_url), terminal_size=(120, 36), run_before=run_before)


def test_wiki_history(snap_compare: Any, make_app: Any, demo_url: str) -> None:
    """History of 'Tööjaama turvaseadistus (Windows 11)': two revisions newest first (2 edited, 1 created,
    with when and who) and the highlighted version 2's title, tags and full text on the right, ending with the
    later addition in italics; footer: restore this version, back."""

    async def run_before(pilot: Any) -> None:
        from eits_tracker.tui.screens.wiki_history import WikiHistoryScreen

        await _page(pilot, "toojaama-turvaseadistus-windows-11")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(pilot.app.screen, WikiHistoryScreen) and pilot.app.screen.rows)
        await steady(pilot)

    assert snap_compare(make_app(demo_url), terminal_size=(120, 26), run_before=run_before)
