"""Search (`/` anywhere): measure codes, titles, texts and notes, results as you type."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from eits_tracker.tui.i18n import _, level_label, translate_bindings
from eits_tracker.tui.work import run_db


def _kind(kind: str) -> Text:
    return {
        "measure": Text(_("measure") + " ", style="cyan"),
        "module": Text(_("module") + " ", style="green"),
        "note": Text(_("note") + " ", style="magenta"),
    }.get(kind, Text(kind + " "))


class SearchScreen(ModalScreen[None]):
    """Full-text search over the catalogue and the notes; Enter opens the hit."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("down", "results", "Results", show=False),
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
            yield Input(self.initial, placeholder=_("Search codes, titles, texts and notes…"), id="search-input")
            yield Label(_("Type to search; õ ä ö ü š ž may be typed without accents."), id="search-count")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial:
            self.run_search(self.initial)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        from eits_tracker.tracking.search import search

        ctx = self.context
        self.last_query = query

        def find(session: Any) -> list[Any]:
            # Catalogue and notes separately, so a common word cannot push every note off the list;
            # inside a workspace the notes of that municipality.
            hits = search(session, query, edition_id=ctx.get("edition_id"), limit=30, kinds=("measure", "module"))
            return hits + search(session, query, municipality_id=ctx.get("municipality_id"), limit=15, kinds=("note",))

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
        results = self.query_one(OptionList)
        results.clear_options()
        for i, h in enumerate(hits):
            line = Text.assemble(_kind(h.kind), (h.code, "bold"), " ", h.title)
            if h.kind == "note":
                line.append(f"  · {h.municipality_name}", style="italic")
            elif h.level:
                line.append(f"  · {level_label(h.level)}", style="dim")
            if h.kind != "note" and not self.context.get("edition_id"):
                line.append(f"  · E-ITS {h.edition_key}", style="dim")
            if h.snippet:
                line.append("\n   " + h.snippet, style="dim")
            results.add_option(Option(line, id=str(i)))
        count = self.query_one("#search-count", Label)
        if not query.strip():
            count.update(_("Type to search; õ ä ö ü š ž may be typed without accents."))
        else:
            count.update(_("{n} results").format(n=len(hits)) if hits else _("Nothing found."))
        if hits:
            results.highlighted = 0

    def action_results(self) -> None:
        self.query_one(OptionList).focus()

    def action_open(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None:
            self.open_hit(self.hits[results.highlighted])

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.action_open()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.open_hit(self.hits[int(event.option.id or 0)])

    def open_hit(self, hit: Any) -> None:
        app: Any = self.app
        self.dismiss()
        muni = self.context.get("municipality_id")
        if hit.kind == "note" and hit.municipality_id:
            app.open_workspace(hit.municipality_id, measure=hit.code)
        elif muni is not None and hit.kind == "measure":
            app.open_workspace(muni, measure=hit.code)
        else:
            app.open_catalogue(hit.code, hit.edition_key)
