"""A page's revisions, newest first, with the full text of the highlighted one; `r` restores it (as a new
revision: nothing is ever rewritten)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label

from eits_tracker.timeutil import show
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db


def read_history(session: Any, slug: str) -> tuple[str, int, list[dict[str, Any]]]:
    from eits_tracker.wiki.pages import get_page, revisions

    page = get_page(session, slug)
    rows = [
        {"version": r.version, "edited_at": r.edited_at, "edited_by": r.edited_by, "note": r.note,
         "title": r.title, "body": r.body, "tags": list(r.tags)}
        for r in revisions(session, slug)
    ]  # fmt: skip
    return page.title, page.version, rows


def note_label(note: str) -> str:
    if not note:
        return _("edited")
    if note == "created":
        return _("created")
    if note.startswith("restored version "):
        return _("restored version {n}").format(n=note.removeprefix("restored version "))
    if note.startswith("imported from "):
        return _("imported from {where}").format(where=note.removeprefix("imported from "))
    return note


class WikiHistoryScreen(Screen[None]):
    """Every saved version of one page."""

    CSS_PATH = "wiki.tcss"
    BINDINGS = [
        Binding("r", "restore", "Restore this version"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.slug = slug
        self.version = 0
        self.rows: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="wh-title", classes="screen-title")
        with Horizontal(id="wh-body"):
            yield RowTable(id="wh-versions")
            with VerticalScroll(id="wh-text-box"):
                yield MarkdownText(id="wh-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(RowTable).set_columns(
            [
                Column("version", _("Version"), 7),
                Column("when", _("When"), 16),
                Column("who", _("Who"), 14),
                Column("note", _("What"), 24),
            ]
        )
        self.query_one(RowTable).focus()
        self.reload()

    def reload(self) -> None:
        run_db(self, lambda s: read_history(s, self.slug), self._loaded, group="wiki-history", exclusive=True)

    def _loaded(self, result: tuple[str, int, list[dict[str, Any]]]) -> None:
        title, self.version, rows = result
        self.query_one("#wh-title", Label).update(_("History: {title}").format(title=title))
        self.rows = {str(r["version"]): r for r in rows}
        self.query_one(RowTable).set_rows(
            (str(r["version"]), [str(r["version"]), show(r["edited_at"]), r["edited_by"], note_label(r["note"])])
            for r in rows
        )
        self._show(self.query_one(RowTable).cursor_key)

    @on(RowTable.Highlighted, "#wh-versions")
    def _highlighted(self, event: RowTable.Highlighted) -> None:
        self._show(event.key)

    def _show(self, key: str | None) -> None:
        row = self.rows.get(key or "")
        if row is not None:
            head = f"**{row['title']}**" + (f"  \n*{', '.join(row['tags'])}*" if row["tags"] else "")
            self.query_one("#wh-text", MarkdownText).show(f"{head}\n\n{row['body']}")

    def action_restore(self) -> None:
        from eits_tracker.tui.screens.dialogs import ConfirmDialog
        from eits_tracker.wiki.pages import restore_revision

        key = self.query_one(RowTable).cursor_key
        if key is None:
            return
        if int(key) == self.version:
            self.notify(_("This is the current version."), timeout=3)
            return
        app: Any = self.app
        current = self.version

        def decided(ok: bool | None) -> None:
            if ok:
                run_db(
                    self,
                    lambda s: restore_revision(s, self.slug, int(key), actor=app.actor, expected_version=current),
                    lambda _page: self.reload(),
                    write=True,
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Restore version {n}").format(n=key),
                _("Make version {n} the current text? The current text stays in the history.").format(n=key),
                _("Restore"),
            ),
            decided,
        )
