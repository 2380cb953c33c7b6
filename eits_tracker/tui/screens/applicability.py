"""Applicability: the target approach and which modules apply, with the reason for each exclusion."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label

from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.screens.dialogs import TextDialog
from eits_tracker.tui.widgets import KeyBar
from eits_tracker.tui.work import run_db


def _source_label(source: str) -> Text:
    return {
        "profile": Text(_("KOV profile"), style="green"),
        "added": Text(_("added"), style="cyan"),
        "excluded": Text(_("excluded"), style="red"),
        "none": Text(_("not in profile"), style="dim"),
    }[source]


class ApplicabilityScreen(Screen[None]):
    """Target approach and module scope of one municipality."""

    BINDINGS = [
        Binding("space", "toggle_module", "Include/exclude"),
        Binding("t", "approach", "Target approach"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, municipality_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.municipality_id = municipality_id
        self.modules: dict[str, dict[str, Any]] = {}
        self.approach = ""
        self.muni_name = ""

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="ap-title", classes="screen-title")
        yield Label("", id="ap-help", classes="hint")
        yield RowTable(id="ap-table")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        table.set_columns(
            [
                Column("on", " ", 1),
                Column("code", _("Module"), 12),
                Column("title", _("Title"), None, min_width=20),
                Column("source", _("Why"), 14),
                Column("reason", _("Reason"), None, min_width=12),
            ]
        )
        self.query_one("#ap-help", Label).update(
            _("KOV profile modules apply by default. Space includes or excludes a module; an exclusion needs a reason.")
        )
        table.focus()
        self.load()

    def load(self) -> None:
        from eits_tracker.db import models as m
        from eits_tracker.tracking.municipalities import applicability_table

        def read(session: Any) -> tuple[str, str, list[dict[str, Any]]]:
            muni = session.get(m.Municipality, self.municipality_id)
            return muni.name, muni.approach, applicability_table(session, muni)

        run_db(self, read, self._loaded, group="ap", exclusive=True)

    def _loaded(self, result: tuple[str, str, list[dict[str, Any]]]) -> None:
        self.muni_name, self.approach, rows = result
        self.modules = {r["code"]: r for r in rows}
        n = sum(1 for r in rows if r["applicable"])
        approach = _("standard protection") if self.approach == "standard" else _("basic protection")
        self.query_one("#ap-title", Label).update(
            Text.assemble(
                (self.muni_name, "bold"),
                " · " + _("target approach: {approach}").format(approach=approach),
                " · " + _("{n} of {total} modules apply").format(n=n, total=len(rows)),
            )
        )
        self.query_one(RowTable).set_rows([(r["code"], self._cells(r)) for r in rows])

    def _cells(self, r: dict[str, Any]) -> list[Any]:
        return [
            Text("✓", style="green") if r["applicable"] else Text("✗", style="red"),
            r["code"],
            r["title"],
            _source_label(r["source"]),
            r["reason"],
        ]

    def current(self) -> str | None:
        return self.query_one(RowTable).cursor_key

    @on(RowTable.Selected)
    def _selected(self) -> None:
        self.action_toggle_module()

    def action_toggle_module(self) -> None:
        code = self.current()
        if code is None:
            return
        row = self.modules[code]
        if row["applicable"]:

            def got(result: dict[str, Any] | None) -> None:
                if result and not result["cancelled"]:
                    self._set(code, False, result["text"])

            self.app.push_screen(
                TextDialog(
                    _("Exclude {code}").format(code=code),
                    _("Why does {code} not apply to {name}?").format(code=code, name=self.muni_name),
                ),
                got,
            )
        else:
            self._set(code, True, "")

    def _set(self, code: str, applicable: bool, reason: str) -> None:
        from eits_tracker.db import models as m
        from eits_tracker.tracking.municipalities import set_module_applicability

        app: Any = self.app

        def write(session: Any) -> None:
            muni = session.get(m.Municipality, self.municipality_id)
            set_module_applicability(
                session, muni, code, applicable=applicable, reason=reason, actor=app.actor, expected=not applicable
            )

        run_db(self, write, lambda _r: self.load(), write=True, group="ap-write")

    def action_approach(self) -> None:
        from eits_tracker.db import models as m
        from eits_tracker.tracking.municipalities import set_approach

        seen = self.approach
        new = "basic" if seen == "standard" else "standard"

        def write(session: Any) -> None:
            set_approach(session, session.get(m.Municipality, self.municipality_id), new, expected=seen)

        run_db(self, write, lambda _r: self.load(), write=True, group="ap-write")

    def search_context(self) -> dict[str, Any]:
        return {"municipality_id": self.municipality_id}
