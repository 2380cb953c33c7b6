"""The wiki's page list (`w` anywhere): search as you type, a tag filter, and — opened from a module or
measure (`w` in the catalogue or the workspace) — only the best practices that cite it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Select

from eits_tracker.timeutil import show
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.widgets import KeyBar
from eits_tracker.tui.work import run_db


def read_list(session: Any, code: str | None, query: str, tag: str | None) -> tuple[list[Any], list[tuple[str, int]]]:
    """The pages to show (search order when there is a query, else by title) and every tag."""
    from eits_tracker.tracking.search import search
    from eits_tracker.wiki.pages import all_tags, list_pages

    pages = list_pages(session, code=code, tag=tag)
    if query.strip():
        order = {h.code: i for i, h in enumerate(search(session, query, limit=500, kinds=("wiki",)))}
        pages = sorted((p for p in pages if p.slug in order), key=lambda p: order[p.slug])
    return pages, all_tags(session)


class WikiListScreen(Screen[None]):
    """Best-practice pages: all of them, or those citing one module or measure."""

    CSS_PATH = "wiki.tcss"
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("n", "new", "New page"),
        Binding("f", "find", "Find"),
        Binding("t", "tags", "Tag", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.code = code
        self.pages: list[Any] = []
        self.loaded = False
        self.seen_generation = -1

    def compose(self) -> ComposeResult:
        title = _("Best practices for {code}").format(code=self.code) if self.code else _("Best practices")
        yield Label(title, id="wl-title", classes="screen-title")
        with Horizontal(id="wl-filters"):
            yield Input(placeholder=_("Search titles and texts…"), id="wl-search")
            yield Select([], prompt=_("All tags"), id="wl-tag")
        yield RowTable(id="wl-pages")
        yield Label("", id="wl-count", classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(RowTable).set_columns(
            [
                Column("title", _("Title")),
                Column("tags", _("Tags"), 18),
                Column("codes", _("E-ITS"), 16),
                Column("author", _("Author"), 24),
                Column("updated", _("Updated"), 10),
            ]
        )
        self.query_one(RowTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded and self.app.data_generation != self.seen_generation:  # type: ignore[attr-defined]
            self.reload()

    def reload(self) -> None:
        query = self.query_one("#wl-search", Input).value
        value = self.query_one("#wl-tag", Select).value
        tag = None if value in (Select.BLANK, Select.NULL) else str(value)
        self.seen_generation = self.app.data_generation  # type: ignore[attr-defined]
        run_db(self, lambda s: read_list(s, self.code, query, tag), self._loaded, group="wiki-list", exclusive=True)

    def _loaded(self, result: tuple[list[Any], list[tuple[str, int]]]) -> None:
        self.pages, tags = result
        select = self.query_one("#wl-tag", Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options([(f"{tag} ({n})", tag) for tag, n in tags])
            if current in {tag for tag, _n in tags}:
                select.value = current
        rows: list[tuple[str, list[str | Text]]] = []
        for p in self.pages:
            who = ", ".join(x for x in (p.author, p.municipality) if x)
            rows.append(
                (
                    p.slug,
                    [
                        Text(p.title, style="bold"),
                        ", ".join(p.tags),
                        ", ".join(p.modules + p.measures),
                        who,
                        show(p.updated_at)[:10],
                    ],
                )
            )
        self.query_one(RowTable).set_rows(rows)
        count = _("{n} pages").format(n=len(self.pages)) if self.pages else _("No pages yet.")
        if self.code and not self.pages:
            count = _("No best practices cite {code} yet: n writes the first.").format(code=self.code)
        self.query_one("#wl-count", Label).update(count)
        self.loaded = True

    @on(Input.Changed, "#wl-search")
    @on(Select.Changed, "#wl-tag")
    def _filter(self) -> None:
        self.reload()

    @on(Input.Submitted, "#wl-search")
    def _to_table(self) -> None:
        self.query_one(RowTable).focus()

    @on(RowTable.Selected, "#wl-pages")
    def _selected(self, event: RowTable.Selected) -> None:
        self.open_page(str(event.key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # typing n, f or t in the search box types them
        return not (action in ("open", "new", "find", "tags") and isinstance(self.focused, Input))

    def action_open(self) -> None:
        key = self.query_one(RowTable).cursor_key
        if key is not None:
            self.open_page(key)

    def open_page(self, slug: str) -> None:
        from eits_tracker.tui.screens.wiki_page import WikiPageScreen

        self.app.push_screen(WikiPageScreen(slug))

    def action_new(self) -> None:
        from eits_tracker.tui.screens.wiki_editor import WikiEditorScreen

        codes = [self.code] if self.code else []
        self.app.push_screen(WikiEditorScreen(None, codes=codes))

    def action_find(self) -> None:
        self.query_one("#wl-search", Input).focus()

    def action_tags(self) -> None:
        self.query_one("#wl-tag", Select).focus()

    def action_back(self) -> None:
        search = self.query_one("#wl-search", Input)
        if self.focused is search and search.value:
            search.value = ""
            self.query_one(RowTable).focus()
            return
        self.app.pop_screen()
