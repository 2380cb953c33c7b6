"""Catalogue browser: editions, layers, modules and measures with their text; the diff of two editions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Select, Tree

from eits_tracker.tui.i18n import _, level_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db


@dataclass
class EditionView:
    key: str
    title: str
    id: int
    layers: list[tuple[str, str]]
    modules: list[tuple[str, str, str]]  # code, title, layer
    measures: dict[str, list[tuple[str, str, str]]]  # module → (code, title, level)


def read_edition(session: Any, key: str | None) -> tuple[list[tuple[str, str]], EditionView]:
    from sqlalchemy import select

    from eits_tracker.catalog.queries import find_edition
    from eits_tracker.db import models as m
    from eits_tracker.db.setup import latest_edition

    editions = [(e.key, e.title) for e in session.scalars(select(m.Edition).order_by(m.Edition.key)).all()]
    edition = find_edition(session, key) if key else latest_edition(session)
    assert edition is not None
    layers = session.execute(
        select(m.Layer.code, m.Layer.title)
        .where(m.Layer.edition_id == edition.id, m.Layer.parent_code.is_(None))  # type: ignore[union-attr]
        .order_by(m.Layer.id)
    ).all()
    modules = session.execute(
        select(m.Module.code, m.Module.title, m.Module.layer_code)
        .where(m.Module.edition_id == edition.id)
        .order_by(m.Module.id)
    ).all()
    measures: dict[str, list[tuple[str, str, str]]] = {}
    for code, title, level, module in session.execute(
        select(m.Measure.code, m.Measure.title, m.Measure.level, m.Measure.module_code)
        .where(m.Measure.edition_id == edition.id)
        .order_by(m.Measure.id)
    ).all():
        measures.setdefault(module, []).append((code, title, level))
    view = EditionView(
        edition.key, edition.title, edition.id, [tuple(r) for r in layers], [tuple(r) for r in modules], measures
    )
    return editions, view


def read_item(session: Any, edition_key: str, code: str) -> str:
    """The Markdown shown for a module or measure."""
    from eits_tracker.catalog.queries import find_code, find_edition

    edition = find_edition(session, edition_key)
    item = find_code(session, edition, code)
    return _item_markdown(item) + _best_practices(session, code)


def _best_practices(session: Any, code: str) -> str:
    """The wiki pages citing the module or measure, under its text (`w` lists them to open)."""
    from eits_tracker.access import access_of
    from eits_tracker.wiki.pages import can_read_wiki, list_pages

    if not can_read_wiki(access_of(session)):
        return ""
    pages = list_pages(session, code=code)
    if not pages:
        return ""
    titles = "\n".join(f"- {p.title}" for p in pages[:8]) + ("\n- …" if len(pages) > 8 else "")
    return f"\n\n### {_('Best practices')} ({len(pages)}, w)\n\n{titles}"


def _item_markdown(item: Any) -> str:
    from eits_tracker.db import models as m

    if isinstance(item, m.Measure):
        parts = [f"**{item.code} {item.title}**", f"**{_('Level')}:** {level_label(item.level)}"]
        if item.responsible:
            parts.append(f"**{_('Responsible')}:** {item.responsible}")
        if item.lifecycle:
            parts.append(f"**{_('Lifecycle')}:** {item.lifecycle}")
        parts.append(item.text or _("(no text in the catalogue)"))
        if item.threats:
            parts.append(f"**{_('Threats')}:** " + ", ".join(item.threats))
        return "\n\n".join(parts)
    parts = [f"**{item.code} {item.title}**"]
    for label, value in (
        (_("Purpose"), item.purpose),
        (_("Responsibility"), item.responsibility),
        (_("Limits"), item.limits),
    ):
        if value:
            parts.append(f"### {label}\n\n{value}")
    return "\n\n".join(parts)


class CatalogueScreen(Screen[None]):
    """The E-ITS catalogue as published, edition by edition."""

    BINDINGS = [
        Binding("v", "diff", "Compare editions"),
        Binding("n", "next_edition", "Next edition"),
        Binding("w", "best_practices", "Best practices"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, *, code: str | None = None, edition_key: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.pending_code = code
        self.edition_key = edition_key
        self.view: EditionView | None = None
        self.editions: list[tuple[str, str]] = []
        self.module: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="cat-top"):
            yield Label(_("E-ITS catalogue"), id="cat-title", classes="screen-title")
            yield Select([], prompt=_("Edition"), id="cat-edition")
        with Horizontal(id="cat-body"):
            yield Tree(_("Layers"), id="cat-tree")
            with Vertical(id="cat-main"):
                yield RowTable(id="cat-measures")
                with VerticalScroll(id="cat-detail"):
                    yield MarkdownText(id="cat-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#cat-measures", RowTable).set_columns(
            [Column("code", _("Code"), 12), Column("title", _("Title")), Column("level", _("Level"), 13)]
        )
        self.load(self.edition_key)

    def load(self, key: str | None) -> None:
        run_db(self, lambda s: read_edition(s, key), self._loaded, group="cat", exclusive=True)

    def _loaded(self, result: tuple[list[tuple[str, str]], EditionView]) -> None:
        self.editions, view = result
        self.view = view
        select = self.query_one("#cat-edition", Select)
        with select.prevent(Select.Changed):
            select.set_options([(f"E-ITS {k}", k) for k, _t in self.editions])
            select.value = view.key
        tree = self.query_one(Tree)
        tree.clear()
        tree.root.label = Text(view.title, style="bold")
        titles = dict(view.layers)
        by_layer: dict[str, list[tuple[str, str, str]]] = {}
        for mod in view.modules:
            by_layer.setdefault(mod[2], []).append(mod)
        for layer, mods in by_layer.items():
            node = tree.root.add(f"{layer} {titles.get(layer, '')}", data=("layer", layer))
            for code, title, _layer in mods:
                n = len(view.measures.get(code, []))
                node.add_leaf(Text.assemble((code, "bold"), f" {title} ", (f"({n})", "dim")), data=("module", code))
        tree.root.expand()
        code = self.pending_code
        self.pending_code = None
        module = None
        if code:
            module = next((m for m in view.measures if code.upper() == m), None) or next(
                (m for m, items in view.measures.items() if any(c == code.upper() for c, _t, _l in items)), None
            )
        self.show_module(module or (view.modules[0][0] if view.modules else None), focus_code=code)
        tree.focus()

    def show_module(self, module: str | None, focus_code: str | None = None) -> None:
        if self.view is None or module is None:
            return
        self.module = module
        table = self.query_one("#cat-measures", RowTable)
        table.set_rows(
            [
                (code, [Text(code, style="bold"), title, level_label(level)])
                for code, title, level in self.view.measures.get(module, [])
            ],
            keep_cursor=False,
        )
        target = (focus_code or "").upper()
        if target and table.move_to(target):
            table.focus()
            self.show_item(target)
        else:
            self.show_item(module)

    def show_item(self, code: str) -> None:
        if self.view is None:
            return
        key = self.view.key
        run_db(
            self,
            lambda s: read_item(s, key, code),
            lambda md: self.query_one("#cat-text", MarkdownText).show(md),
            group="cat-item",
            exclusive=True,
        )

    @on(Tree.NodeHighlighted)
    def _node(self, event: Tree.NodeHighlighted[Any]) -> None:
        if event.node.data and event.node.data[0] == "module":
            self.show_module(event.node.data[1])

    @on(Tree.NodeSelected)
    def _node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        if event.node.data and event.node.data[0] == "module":
            self.query_one("#cat-measures", RowTable).focus()

    @on(RowTable.Highlighted, "#cat-measures")
    def _row(self, event: RowTable.Highlighted) -> None:
        # only while the user moves in the table: filling it must not replace the module's text
        if event.key and event.table.has_focus:
            self.show_item(event.key)

    def on_descendant_focus(self, event: Any) -> None:
        table = self.query_one("#cat-measures", RowTable)
        if event.widget is table and table.cursor_key:
            self.show_item(table.cursor_key)

    @on(Select.Changed, "#cat-edition")
    def _edition(self, event: Select.Changed) -> None:
        if self.view is not None and event.value != self.view.key and event.value != Select.NULL:
            self.load(str(event.value))

    def action_next_edition(self) -> None:
        if self.view is None or len(self.editions) < 2:
            return
        keys = [k for k, _t in self.editions]
        self.load(keys[(keys.index(self.view.key) + 1) % len(keys)])

    def action_diff(self) -> None:
        if self.view is None or len(self.editions) < 2:
            self.notify(_("Only one edition is loaded."), timeout=3)
            return
        keys = [k for k, _t in self.editions]
        i = keys.index(self.view.key)
        old, new = (keys[i - 1], keys[i]) if i > 0 else (keys[0], keys[1])
        self.app.push_screen(DiffScreen(old, new))

    def search_context(self) -> dict[str, Any]:
        return {"edition_id": self.view.id if self.view else None}

    def action_best_practices(self) -> None:
        table = self.query_one("#cat-measures", RowTable)
        code = table.cursor_key if table.has_focus and table.cursor_key else self.module
        self.app.action_wiki(code)  # type: ignore[attr-defined]


def read_diff(session: Any, old_key: str, new_key: str) -> Any:
    from eits_tracker.catalog.diff import diff_editions
    from eits_tracker.catalog.queries import find_edition

    return diff_editions(session, find_edition(session, old_key), find_edition(session, new_key))


def _kind_label(kind: str) -> Text:
    return {
        "added": Text(_("added"), style="green"),
        "removed": Text(_("removed"), style="red"),
        "changed": Text(_("changed"), style="yellow"),
    }[kind]


def _field_label(name: str) -> str:
    return {"title": _("title"), "level": _("level"), "text": _("text"), "responsible": _("responsible")}.get(
        name, name
    )


def change_markdown(change: Any) -> str:
    """Old and new side by side for a changed measure; the text as a unified word diff."""
    if change.kind != "changed":
        rec = change.new or change.old
        level = level_label(rec.get("level", ""))
        return f"**{change.code} {rec.get('title', '')}**\n\n**{_('Level')}:** {level}\n\n{rec.get('text', '')}"
    parts = [f"**{change.code} {change.new.get('title', '')}**"]
    for name in change.fields:
        old, new = str(change.old.get(name) or ""), str(change.new.get(name) or "")
        if name == "text":
            diff = difflib.unified_diff(old.split(". "), new.split(". "), lineterm="", n=0)
            body = "\n".join(line for line in diff if not line.startswith(("---", "+++", "@@")))
            parts.append(f"### {_field_label(name)}\n\n```diff\n{body}\n```")
        else:
            parts.append(f"### {_field_label(name)}\n\n**{_('was')}:** {old}\n\n**{_('now')}:** {new}")
    return "\n\n".join(parts)


class DiffScreen(Screen[None]):
    """What changed between two editions: added, removed and changed measures."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.old, self.new = old, new
        self.changes: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Label(
            _("E-ITS {old} → {new}").format(old=self.old, new=self.new), id="diff-title", classes="screen-title"
        )
        with Vertical(id="diff-body"):
            yield RowTable(id="diff-table")
            with VerticalScroll(id="diff-detail"):
                yield MarkdownText(id="diff-text")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#diff-table", RowTable)
        table.set_columns(
            [
                Column("kind", _("Change"), 9),
                Column("code", _("Code"), 13),
                Column("title", _("Title")),
                Column("fields", _("What changed"), 24),
            ]
        )
        table.focus()
        run_db(self, lambda s: read_diff(s, self.old, self.new), self._loaded, group="diff", exclusive=True)

    def _loaded(self, diff: Any) -> None:
        rows = []
        for change in [*diff.added, *diff.removed, *diff.changed]:
            key = f"{change.kind}:{change.code}"
            self.changes[key] = change
            rec = change.new or change.old
            fields = ", ".join(_field_label(f) for f in change.fields)
            rows.append((key, [_kind_label(change.kind), change.code, rec.get("title", ""), fields]))
        self.query_one("#diff-table", RowTable).set_rows(rows)
        self.query_one("#diff-title", Label).update(
            _("E-ITS {old} → {new}: {added} added, {removed} removed, {changed} changed, {same} unchanged").format(
                old=self.old,
                new=self.new,
                added=len(diff.added),
                removed=len(diff.removed),
                changed=len(diff.changed),
                same=diff.unchanged,
            )
        )

    @on(RowTable.Highlighted, "#diff-table")
    def _row(self, event: RowTable.Highlighted) -> None:
        change = self.changes.get(str(event.key))
        if change is not None:
            self.query_one("#diff-text", MarkdownText).show(change_markdown(change))
