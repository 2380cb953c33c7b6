"""One wiki page, read: its text in Textual's Markdown widget, [[links]] followed with Enter or a click
(a page opens here, a module or measure in the catalogue), and the way to its editor and history."""

from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Markdown, Static

from eits_tracker.timeutil import show
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.widgets import KeyBar
from eits_tracker.tui.work import run_db

_LINK = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")


def read_page(session: Any, slug: str) -> dict[str, Any]:
    from sqlalchemy import select

    from eits_tracker.db import models as m
    from eits_tracker.wiki.pages import broken_links, catalogue, get_page

    page = get_page(session, slug)
    municipality = session.get(m.Municipality, page.municipality_id) if page.municipality_id else None
    cat = catalogue(session)
    titles = dict(session.execute(select(m.WikiPage.slug, m.WikiPage.title)).all())  # type: ignore[call-overload]
    names = {**cat.modules, **{code: title for code, (_m, title, _l) in cat.measures.items()}}
    return {
        "slug": page.slug,
        "title": page.title,
        "body": page.body,
        "tags": list(page.tags),
        "codes": list(page.modules) + list(page.measures),
        "author": page.author,
        "municipality": municipality.name if municipality else "",
        "updated_at": page.updated_at,
        "version": page.version,
        "titles": titles,
        "catalogue": names,
        "broken": [b.target for b in broken_links(session, cat) if b.slug == page.slug],
    }


def screen_markdown(body: str, titles: dict[str, str], catalogue: dict[str, str], *, follow: bool = True) -> str:
    """[[links]] as links the screen can follow (wiki:slug, eits:CODE), or with ``follow`` False as bold
    text (the editor's preview); code blocks left alone."""
    from eits_tracker.wiki.links import classify, segments

    def link(match: re.Match[str]) -> str:
        kind, target = classify(match.group(1))
        label = (match.group(2) or "").strip()
        if kind == "page":
            if target not in titles:
                return f"{label or target} ({_('missing page')})"
            shown = label or titles[target]
            return f"[{shown}](wiki:{target})" if follow else f"**{shown}**"
        if kind in ("module", "measure"):
            shown = label or (f"{target} {catalogue[target]}" if target in catalogue else target)
            return f"[{shown}](eits:{target})" if follow else f"**{shown}**"
        return match.group(0)

    return "".join(piece if code else _LINK.sub(link, piece) for code, piece in segments(body))


class WikiPageScreen(Screen[None]):
    """A best-practice page."""

    CSS_PATH = "wiki.tcss"
    BINDINGS = [
        Binding("e", "edit", "Edit"),
        Binding("h", "history", "History"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.slug = slug
        self.page: dict[str, Any] | None = None
        self.seen_generation = -1

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="wp-title", classes="screen-title")
        yield Static("", id="wp-meta", classes="hint")  # wraps: the line can be long
        with VerticalScroll(id="wp-scroll"):
            yield Markdown("", id="wp-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.page is not None and self.app.data_generation != self.seen_generation:  # type: ignore[attr-defined]
            self.reload()

    def reload(self) -> None:
        self.seen_generation = self.app.data_generation  # type: ignore[attr-defined]
        run_db(self, lambda s: read_page(s, self.slug), self._loaded, group="wiki-page", exclusive=True)

    def _loaded(self, page: dict[str, Any]) -> None:
        self.page = page
        self.query_one("#wp-title", Label).update(page["title"])
        meta = []
        if page["tags"]:
            meta.append(", ".join(page["tags"]))
        if page["codes"]:
            meta.append("E-ITS " + ", ".join(page["codes"]))
        who = ", ".join(x for x in (page["author"], page["municipality"]) if x)
        if who:
            meta.append(who)
        meta.append(
            _("updated {time}, version {version}").format(time=show(page["updated_at"]), version=page["version"])
        )
        if page["broken"]:
            meta.append(_("broken links: {links}").format(links=", ".join(page["broken"])))
        self.query_one("#wp-meta", Static).update(" · ".join(meta))
        body = screen_markdown(page["body"], page["titles"], page["catalogue"]) or _("(empty page)")
        self.query_one("#wp-body", Markdown).update(body)
        self.query_one("#wp-scroll").focus()

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.prevent_default()
        href = event.href
        if href.startswith("wiki:"):
            self.app.push_screen(WikiPageScreen(href.removeprefix("wiki:")))
        elif href.startswith("eits:"):
            self.app.open_catalogue(href.removeprefix("eits:"))  # type: ignore[attr-defined]
        else:
            self.app.open_url(href)

    def action_edit(self) -> None:
        from eits_tracker.tui.screens.wiki_editor import WikiEditorScreen

        if self.page is not None:
            self.app.push_screen(WikiEditorScreen(self.slug))

    def action_history(self) -> None:
        from eits_tracker.tui.screens.wiki_history import WikiHistoryScreen

        if self.page is not None:
            self.app.push_screen(WikiHistoryScreen(self.slug))
