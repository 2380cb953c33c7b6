"""A municipality's workspace: layer → module tree, the measures, the measure text, one key per status."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
    Tree,
)

from eits_tracker.tui import format as fmt
from eits_tracker.tui.i18n import _, level_label, status_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.screens import measure_texts as texts
from eits_tracker.tui.screens.dialogs import ConfirmDialog
from eits_tracker.tui.screens.workspace_editing import WorkspaceEditing
from eits_tracker.tui.trace import mark
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db

#: From this width of the measure pane on, the owner and due date get their own columns;
#: below NARROW the level column gives way (the measure pane shows it) so the KOV priority fits.
WIDE = 110
NARROW = 70
#: At most this many measures in the table at once (a whole municipality is ~1,000): filter to see more.
MAX_ROWS = 400


class WorkspaceScreen(WorkspaceEditing, Screen[None]):
    """Everything about one municipality's measures."""

    BINDINGS = [
        Binding("r", "status('implemented')", "Implemented"),
        Binding("o", "status('partial')", "Partial"),
        Binding("e", "status('not_implemented')", "Not impl.", tooltip="Not implemented"),
        Binding("p", "status('not_applicable')", "N/A", tooltip="Not applicable: asks why"),
        Binding("a", "status('risk_accepted')", "Risk acc.", tooltip="Risk accepted: asks for the decision"),
        Binding("minus", "status('not_assessed')", "Not assessed", key_display="-", show=False),
        Binding("space", "mark", "Mark", show=False),
        Binding("B", "bulk_module", "Whole module", show=False),
        Binding("i", "edit", "Edit", show=False),
        Binding("ctrl+s", "save_edits", "Save edits", show=False),
        Binding("f", "filters", "Filter", show=False),
        Binding("k", "applicability", "Scope", show=False),
        Binding("t", "tab('tab-text')", "Text", show=False),
        Binding("h", "tab('tab-history')", "History", show=False),
        Binding("l", "session_log", "Sessions", show=False),
        Binding("w", "best_practices", "Best practices", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, municipality_id: int, *, measure: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.municipality_id = municipality_id
        self.pending_measure = measure
        self.ws: Any = None
        self.rows: dict[str, Any] = {}
        self.by_module: dict[str, list[str]] = {}
        self.node: tuple[str, str] = ("root", "")
        self.marked: set[str] = set()
        self.detail: Any = None
        #: Unsaved edits per measure code: kept when the cursor moves on or a save fails.
        self.drafts: dict[str, dict[str, str]] = {}
        #: Dialog values kept when a dialog is closed or its save refused.
        self.dialog_drafts: dict[tuple[str, str], dict[str, str]] = {}
        self._filling = False
        self._reload_on_resume = False
        self.wide = False
        self.narrow = False
        self._detail_asked: str | None = None

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="ws-title", classes="screen-title")
        with Horizontal(id="ws-body"):
            yield Tree(_("All modules"), id="ws-tree")
            with Vertical(id="ws-main"):
                # filled on first use: five selects cost a noticeable part of opening the screen
                yield Horizontal(id="ws-filters", classes="hidden")
                yield RowTable(id="ws-measures")
                with TabbedContent(id="ws-detail", initial="tab-text"):
                    with TabPane(_("Measure"), id="tab-text"), VerticalScroll():
                        yield MarkdownText(id="ws-text")
                    with TabPane(_("Status"), id="tab-status"), VerticalScroll(id="ws-form"):
                        yield Static("", id="ws-targets")
                        with Horizontal(classes="form-row"):
                            yield Label(_("Owner"), classes="form-label")
                            yield Input(id="ed-owner")
                        with Horizontal(classes="form-row"):
                            yield Label(_("Due"), classes="form-label")
                            yield Input(placeholder=_("YYYY-MM-DD"), id="ed-due_date")
                        yield Label(_("Note"), classes="form-label")
                        yield TextArea(id="ed-note", soft_wrap=True)
                        with Horizontal(classes="form-row"):
                            yield Button(_("Save edits"), id="ed-save", variant="primary")
                            yield Label("", id="ed-state")
                    with TabPane(_("History"), id="tab-history"), VerticalScroll():
                        yield Static("", id="ws-history")
        yield KeyBar()

    def _columns(self) -> list[tuple[str, str]]:
        cols = [("mark", " "), ("code", _("Code")), ("status", _("Status")), ("title", _("Title"))]
        if not self.narrow:
            cols.append(("level", _("Level")))
        cols.append(("kov", "KOV"))
        if self.wide:
            cols += [("owner", _("Owner")), ("due", _("Due"))]
        return cols

    def _build_columns(self) -> None:
        widths = {"mark": 1, "code": 13, "status": 12, "title": None, "level": 5, "kov": 3, "owner": 16, "due": 10}
        self.query_one("#ws-measures", RowTable).set_columns(
            [Column(key, label, widths[key], min_width=8) for key, label in self._columns()]
        )

    def on_resize(self) -> None:
        width = self.query_one("#ws-main").size.width
        if (width >= WIDE, width < NARROW) != (self.wide, self.narrow):
            self.wide, self.narrow = width >= WIDE, width < NARROW
            self._build_columns()
            self.refill()

    def on_mount(self) -> None:
        mark("workspace mounted")
        self.wide = self.app.size.width >= WIDE + 40
        self.narrow = self.app.size.width * 0.7 < NARROW
        self._build_columns()
        self.load()

    def _filter_widgets(self) -> list[Any]:
        statuses = ("not_assessed", "implemented", "partial", "not_implemented", "not_applicable", "risk_accepted")
        lifecycles = sorted({r.lifecycle for r in self.rows.values() if r.lifecycle})
        return [
            Select([(level_label(lv), lv) for lv in ("basic", "standard", "high")], prompt=_("Level"), id="flt-level"),
            Select([(status_label(st), st) for st in statuses], prompt=_("Status"), id="flt-status"),
            Select([(lc, lc) for lc in lifecycles], prompt=_("Lifecycle"), id="flt-lifecycle"),
            Select([("P1", "P1"), ("P2", "P2"), ("P3", "P3")], prompt=_("KOV priority"), id="flt-prio"),
            Checkbox(_("Needs review"), id="flt-review"),
        ]

    def _filter_values(self) -> dict[str, Any]:
        if not self.query("#flt-level"):
            return {}
        values = {
            name: self.query_one(f"#flt-{name}", Select).value for name in ("level", "status", "lifecycle", "prio")
        }
        out = {k: v for k, v in values.items() if v != Select.NULL}
        if self.query_one("#flt-review", Checkbox).value:
            out["review"] = True
        return out

    def load(self) -> None:
        mark("workspace load")
        from eits_tracker.tracking.workspace import open_workspace

        app: Any = self.app
        cached = app.workspaces.get(self.municipality_id)

        def read(session: Any) -> Any:
            ws = open_workspace(session, self.municipality_id)
            mark("workspace data read")
            return ws

        if cached is not None and self.ws is None:
            # Shown at once from what was read moments ago (see DashboardScreen.prefetch), then
            # read again once the screen is drawn; the fresh read replaces it where anything differs.
            self._loaded(cached)
            self.set_timer(0.3, lambda: run_db(self, read, self._fresh, group="ws-open", exclusive=True))
            return
        run_db(self, read, self._fresh, group="ws-open", exclusive=True)

    def _fresh(self, ws: Any) -> None:
        self.app.workspaces.put(ws)  # type: ignore[attr-defined]
        if self.ws is None:
            self._loaded(ws)
        elif ws != self.ws:
            self._loaded(ws, again=True)

    def on_unmount(self) -> None:
        if self.ws is not None:  # what this screen saw last, for the next time it opens
            from dataclasses import replace

            self.app.workspaces.put(replace(self.ws, rows=list(self.rows.values())))  # type: ignore[attr-defined]

    def _loaded(self, ws: Any, *, again: bool = False) -> None:
        mark("workspace data arrived")
        self.ws = ws
        self.rows = {r.code: r for r in ws.rows}
        self.by_module = {}
        for r in ws.rows:
            self.by_module.setdefault(r.module, []).append(r.code)
        self._title()
        if again and [m.code for m in ws.modules] == [
            n.data[1] for layer in self.query_one(Tree).root.children for n in layer.children
        ]:
            self._refresh_tree_labels()  # same modules: only the progress changed
        else:
            self._build_tree()
        first = self.pending_measure and self.rows.get(self.pending_measure.upper())
        if first:
            self.node = ("module", first.module)
        elif ws.modules and not (again and self.node[0] == "module" and self.node[1] in self.by_module):
            self.node = ("module", ws.modules[0].code)
        self.refill()
        if again:
            return
        if first:
            self.focus_measure(first.code)
        self.pending_measure = None
        self.query_one("#ws-measures", RowTable).focus()
        self.call_after_refresh(mark, "workspace shown")

    def _title(self) -> None:
        ws, mat = self.ws, self.ws.maturity
        approach = _("standard protection") if ws.approach == "standard" else _("basic protection")
        self.query_one("#ws-title", Label).update(
            Text.assemble(
                (f"{ws.name} ({ws.ehak_code})", "bold"),
                f" · E-ITS {ws.edition_key} · {approach} · ",
                (_("level {n}").format(n=mat.level), fmt.LEVEL_STYLE.get(mat.level, "")),
                " · " + _("assessed {pct}").format(pct=fmt.pct(mat.coverage)),
                " · " + _("basic {pct}").format(pct=fmt.pct(mat.fulfilment.get("basic"))),
            )
        )

    def _module_label(self, code: str, title: str) -> Text:
        progress = self.ws.progress.get(code)
        value = getattr(progress, "fulfilment", None)
        return Text.assemble(
            (f"{code} ", "bold"), f"{fmt.pct(value):>4} ", (fmt.bar(value, 5), "green"), " ", (title, "dim")
        )

    def _build_tree(self) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.data = ("root", "")
        tree.root.label = Text(self.ws.name, style="bold")
        titles = dict(self.ws.layers)
        by_layer: dict[str, list[Any]] = {}
        for mod in self.ws.modules:
            by_layer.setdefault(mod.layer_code, []).append(mod)
        for layer, mods in by_layer.items():
            node = tree.root.add(Text(f"{layer} {titles.get(layer, '')}"), data=("layer", layer), expand=True)
            for mod in mods:
                node.add_leaf(self._module_label(mod.code, mod.title), data=("module", mod.code))
        tree.root.expand()

    def _refresh_tree_labels(self) -> None:
        tree = self.query_one(Tree)
        titles = {m.code: m.title for m in self.ws.modules}
        for layer in tree.root.children:
            for leaf in layer.children:
                if leaf.data and leaf.data[0] == "module":
                    leaf.set_label(self._module_label(leaf.data[1], titles[leaf.data[1]]))

    # --- the measure table --------------------------------------------------------------

    def visible_codes(self) -> list[str]:
        kind, value = self.node
        if kind == "module":
            codes = self.by_module.get(value, [])
        elif kind == "layer":
            mods = [mod.code for mod in self.ws.modules if mod.layer_code == value]
            codes = [c for mod in mods for c in self.by_module.get(mod, [])]
        else:
            codes = list(self.rows)
        f = self._filter_values()
        if not f:
            return codes
        out = []
        for code in codes:
            r = self.rows[code]
            if "level" in f and r.level != f["level"]:
                continue
            if "status" in f and r.status != f["status"]:
                continue
            if "lifecycle" in f and r.lifecycle != f["lifecycle"]:
                continue
            if "prio" in f and r.priority_kov != f["prio"]:
                continue
            if f.get("review") and not r.needs_review:
                continue
            out.append(code)
        return out

    def _cells(self, r: Any) -> list[Any]:
        code = Text(r.code + (" ⚑" if r.needs_review else ""), style="bold" if r.needs_review else "")
        cells = [
            "✓" if r.code in self.marked else " ",
            code,
            fmt.status_cell(r.status, short=True),
            r.title,
        ]
        if not self.narrow:
            cells.append(texts.short_level(r.level))
        cells.append(r.priority_kov)
        if self.wide:
            cells += [r.owner, fmt.day(r.due_date)]
        return cells

    def refill(self) -> None:
        if self.ws is None:
            return
        table = self.query_one("#ws-measures", RowTable)
        codes = self.visible_codes()
        table.set_rows([(code, self._cells(self.rows[code])) for code in codes[:MAX_ROWS]])
        if len(codes) > MAX_ROWS:
            self.notify(
                _("Showing {shown} of {total} measures: choose a module or filter.").format(
                    shown=MAX_ROWS, total=len(codes)
                ),
                timeout=4,
            )
        if table.row_count:
            self.show_detail(self.current_code())
        else:
            self.detail = None
            self.query_one("#ws-text", MarkdownText).show(_("No measures match."))

    def update_rows(self, rows: list[Any]) -> None:
        table = self.query_one("#ws-measures", RowTable)
        for r in rows:
            self.rows[r.code] = r
            table.update_row(r.code, self._cells(r))

    def current_code(self) -> str | None:
        return self.query_one("#ws-measures", RowTable).cursor_key

    def focus_measure(self, code: str) -> None:
        code = code.upper()
        row = self.rows.get(code)
        if row is None:
            self.notify(_("{code} is not in this municipality's scope.").format(code=code), severity="warning")
            return
        if code not in self.visible_codes():
            self.node = ("module", row.module)
            self.refill()
        table = self.query_one("#ws-measures", RowTable)
        if table.move_to(code):
            table.focus()

    @on(Tree.NodeHighlighted, "#ws-tree")
    def _node(self, event: Tree.NodeHighlighted[Any]) -> None:
        if event.node.data and event.node.data != self.node:
            self.node = event.node.data
            self.refill()

    @on(Tree.NodeSelected, "#ws-tree")
    def _node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        if event.node.data and event.node.data[0] == "module":
            self.query_one("#ws-measures", RowTable).focus()

    @on(RowTable.Highlighted, "#ws-measures")
    def _row(self, event: RowTable.Highlighted) -> None:
        if event.key:
            self.show_detail(event.key)

    @on(RowTable.Selected, "#ws-measures")
    def _row_selected(self, event: RowTable.Selected) -> None:
        self.action_edit()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _filters(self) -> None:
        self.refill()

    # --- detail pane ------------------------------------------------------------------

    def show_detail(self, code: str | None, *, force: bool = False) -> None:
        # refill() and the table's RowHighlighted both ask for the same measure; one read is enough
        if code is None or (code == self._detail_asked and not force):
            return
        self._detail_asked = code
        from eits_tracker.tracking.workspace import measure_detail

        run_db(
            self,
            lambda s: measure_detail(s, self.municipality_id, code),
            self._detail_loaded,
            group="ws-detail",
            exclusive=True,
        )

    def _detail_loaded(self, d: Any) -> None:
        self.detail = d
        self.query_one("#ws-text", MarkdownText).show(texts.measure_markdown(d))
        self.query_one("#ws-targets", Static).update(texts.targets_text(d))
        self._fill_form(d)
        self.query_one("#ws-history", Static).update(texts.history_text(d))

    @on(Input.Changed, "#ed-owner, #ed-due_date")
    @on(TextArea.Changed, "#ed-note")
    def _edited(self) -> None:
        if self._filling or self.detail is None:
            return
        values = self._form_values()
        if values == self._saved_values(self.detail):
            self.drafts.pop(self.detail.code, None)
        else:
            self.drafts[self.detail.code] = values
        self._form_state()

    @on(Button.Pressed, "#ed-save")
    def _save_pressed(self) -> None:
        self.action_save_edits()

    # --- actions ----------------------------------------------------------------------

    def action_edit(self) -> None:
        self.query_one(TabbedContent).active = "tab-status"
        self.query_one("#ed-owner", Input).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    async def action_filters(self) -> None:
        bar = self.query_one("#ws-filters")
        if not bar.children:
            await bar.mount_all(self._filter_widgets())
        bar.set_class(not bar.has_class("hidden"), "hidden")
        if not bar.has_class("hidden"):
            self.query_one("#flt-level", Select).focus()

    def action_applicability(self) -> None:
        from eits_tracker.tui.screens.applicability import ApplicabilityScreen

        self._reload_on_resume = True
        self.app.push_screen(ApplicabilityScreen(self.municipality_id))

    def on_screen_resume(self) -> None:
        # Dialogs resume this screen too; only the scope screen changes what the workspace shows.
        if self.ws is not None and self._reload_on_resume:
            self._reload_on_resume = False
            self.load()

    def action_session_log(self) -> None:
        self.app.open_session_log(self.municipality_id)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        focused = self.focused
        if (
            focused is not None
            and focused is not self.query_one("#ws-measures")
            and (
                focused.id in ("ed-owner", "ed-due_date", "ed-note", "ed-save")
                or focused.parent is self.query_one("#ws-filters")
            )
        ):
            self.query_one("#ws-measures", RowTable).focus()  # Esc leaves a field first, then the screen
            return
        if self.marked:
            self.marked.clear()
            self.refill()
            return
        if self.drafts:
            n = len(self.drafts)

            def leave(ok: bool | None) -> None:
                if ok:
                    self.app.pop_screen()

            self.app.push_screen(
                ConfirmDialog(
                    _("Unsaved edits"),
                    _("{n} measure(s) have edits that are not saved. Leave and discard them?").format(n=n),
                    _("Discard and leave"),
                ),
                leave,
            )
            return
        self.app.pop_screen()

    def action_best_practices(self) -> None:
        self.app.action_wiki(self.current_code())  # type: ignore[attr-defined]

    def search_context(self) -> dict[str, Any]:
        return {"municipality_id": self.municipality_id, "edition_id": self.ws.edition_id if self.ws else None}
