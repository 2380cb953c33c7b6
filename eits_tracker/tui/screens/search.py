"""Search (`/` anywhere): measure codes, titles, texts and notes, results as you type."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from eits_tracker.tui.i18n import _, level_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.trace import mark
from eits_tracker.tui.work import run_db


def _kind(kind: str) -> Text:
    return {
        "measure": Text(_("measure") + " ", style="cyan"),
        "module": Text(_("module") + " ", style="green"),
        "note": Text(_("note") + " ", style="magenta"),
        "wiki": Text(_("wiki") + " ", style="yellow"),
    }.get(kind, Text(kind + " "))


class SearchScreen(ModalScreen[None]):
    """Full-text search over the catalogue and the notes; Enter opens the hit."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
        Binding("enter", "open", "Open", show=False),
    ]

    def __init__(self, context: dict[str, Any] | None = None, query: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self.context = context or {}
        self.initial = query
        self.hits: list[Any] = []
        self.last_query = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(
                self.initial, placeholder=_("Search codes, titles, texts, notes and best practices…"), id="search-input"
            )
            yield Label(_("Type to search; õ ä ö ü š ž may be typed without accents."), id="search-count")
            yield RowTable(id="search-results")
            yield Static("", id="search-snippet")

    def on_mount(self) -> None:
        self.query_one(RowTable).set_columns(
            [Column("kind", "", 8), Column("code", _("Code"), 14), Column("title", _("Title")), Column("where", "", 18)]
        )
        self.query_one(Input).focus()
        if self.initial:
            self.run_search(self.initial)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        mark(f"search typed {query}")
        from eits_tracker.tracking.search import search

        ctx = self.context
        self.last_query = query

        def find(session: Any) -> list[Any]:
            # Catalogue and notes separately, so a common word cannot push every note off the list;
            # inside a workspace the notes of that municipality.
            mark("search started")
            hits = search(session, query, edition_id=ctx.get("edition_id"), limit=30, kinds=("measure", "module"))
            hits += search(session, query, municipality_id=ctx.get("municipality_id"), limit=15, kinds=("note",))
            hits += search(session, query, limit=10, kinds=("wiki",))
            mark("search read")
            return hits

        run_db(
            self,
            find,
            lambda hits: self._show(query, hits),
            group="search",
            exclusive=True,
        )

    def _show(self, query: str, hits: list[Any]) -> None:
        if query != self.last_query:
            return
        self.hits = hits
        rows = []
        for i, h in enumerate(hits):
            if h.kind == "note":
                where = Text(h.municipality_name, style="italic")
            elif h.kind == "wiki":
                where = Text("")
            else:
                where = Text(level_label(h.level) if h.level else "", style="dim")
                if not self.context.get("edition_id"):
                    where.append(f" {h.edition_key}", style="dim")
            rows.append((str(i), [_kind(h.kind), Text(h.code, style="bold"), h.title, where]))
        self.query_one(RowTable).set_rows(rows, keep_cursor=False)
        self.call_after_refresh(mark, "search shown")
        count = self.query_one("#search-count", Label)
        if not query.strip():
            count.update(_("Type to search; õ ä ö ü š ž may be typed without accents."))
        else:
            count.update(_("{n} results").format(n=len(hits)) if hits else _("Nothing found."))

    @on(RowTable.Highlighted, "#search-results")
    def _highlighted(self, event: RowTable.Highlighted) -> None:
        hit = self.hits[int(event.key)] if event.key is not None and int(event.key) < len(self.hits) else None
        self.query_one("#search-snippet", Static).update(Text(hit.snippet if hit else "", style="dim"))

    def action_move(self, step: int) -> None:
        self.query_one(RowTable).action_cursor(step)

    def action_open(self) -> None:
        key = self.query_one(RowTable).cursor_key
        if key is not None and int(key) < len(self.hits):
            self.open_hit(self.hits[int(key)])

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.action_open()

    @on(RowTable.Selected, "#search-results")
    def _selected(self, event: RowTable.Selected) -> None:
        self.open_hit(self.hits[int(event.key)])

    def open_hit(self, hit: Any) -> None:
        app: Any = self.app
        self.dismiss()
        muni = self.context.get("municipality_id")
        if hit.kind == "wiki":
            from eits_tracker.tui.screens.wiki_page import WikiPageScreen

            app.push_screen(WikiPageScreen(hit.code))
        elif hit.kind == "note" and hit.municipality_id:
            app.open_workspace(hit.municipality_id, measure=hit.code)
        elif muni is not None and hit.kind == "measure":
            app.open_workspace(muni, measure=hit.code)
        else:
            app.open_catalogue(hit.code, hit.edition_key)
