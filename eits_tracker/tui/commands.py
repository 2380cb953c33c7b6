"""Command palette: jump to any municipality, module or measure; every action by name ("area: action")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from eits_tracker.tui.i18n import _


def area_of(screen: Screen[Any]) -> str:
    return {
        "DashboardScreen": _("Dashboard"),
        "WorkspaceScreen": _("Workspace"),
        "ApplicabilityScreen": _("Scope"),
        "CatalogueScreen": _("Catalogue"),
        "DiffScreen": _("Edition diff"),
    }.get(type(screen).__name__, _("App"))


def binding_commands(app: Any, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """The bindings of the screen and the app, as palette commands with their key as help."""
    seen: set[str] = set()
    for node, area in ((screen, area_of(screen)), (app, _("App"))):
        for bindings in node._bindings.key_to_bindings.values():
            for b in bindings:
                if not b.description or b.action in seen or b.action in ("command_palette", "app.pop_screen"):
                    continue
                seen.add(b.action)
                yield SystemCommand(
                    f"{area}: {b.description}",
                    _("Key: {key}").format(key=app.get_key_display(b)),
                    partial(node.run_action, b.action),
                )


@dataclass(frozen=True)
class Directory:
    municipalities: list[tuple[int, str, str, str]]  # id, name, ehak, county
    modules: list[tuple[str, str]]
    measures: list[tuple[str, str]]
    edition_key: str


def read_directory(session: Any) -> Directory:
    from sqlalchemy import select

    from eits_tracker.db import models as m
    from eits_tracker.db.setup import latest_edition

    edition = latest_edition(session)
    munis = [
        (i, n, e, c)
        for i, n, e, c in session.execute(
            select(m.Municipality.id, m.Municipality.name, m.Municipality.ehak_code, m.Municipality.county).order_by(
                m.Municipality.name
            )
        ).all()
    ]
    eid = edition.id if edition else -1
    modules = [
        tuple(r)
        for r in session.execute(
            select(m.Module.code, m.Module.title).where(m.Module.edition_id == eid).order_by(m.Module.id)
        ).all()
    ]
    measures = [
        tuple(r)
        for r in session.execute(
            select(m.Measure.code, m.Measure.title).where(m.Measure.edition_id == eid).order_by(m.Measure.id)
        ).all()
    ]
    return Directory(munis, modules, measures, edition.key if edition else "")  # type: ignore[arg-type]


class JumpProvider(Provider):
    """Municipalities, modules and measures by name or code."""

    async def startup(self) -> None:
        app: Any = self.app
        if app.directory is None and app.database is not None:

            def load() -> Directory:
                with app.database.session() as session:
                    return read_directory(session)

            app.directory = await asyncio.to_thread(load)

    def _items(self) -> Iterable[tuple[str, Any, str]]:
        app: Any = self.app
        d: Directory | None = app.directory
        if d is None:
            return
        workspace = (
            getattr(self.screen, "municipality_id", None) if type(self.screen).__name__ == "WorkspaceScreen" else None
        )
        for mid, name, ehak, county in d.municipalities:
            yield f"{_('Municipality')}: {name} ({ehak})", partial(app.open_workspace, mid), county
        for code, title in d.modules:
            yield (
                f"{_('Module')}: {code} {title}",
                partial(app.open_catalogue, code, d.edition_key),
                f"E-ITS {d.edition_key}",
            )
        for code, title in d.measures:
            if workspace is not None:
                action = partial(self.screen.focus_measure, code)  # type: ignore[attr-defined]
                where = _("in this municipality")
            else:
                action = partial(app.open_catalogue, code, d.edition_key)
                where = f"E-ITS {d.edition_key}"
            yield f"{_('Measure')}: {code} {title}", action, where

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action, help_text in self._items():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), action, help=help_text)

    async def discover(self) -> Hits:
        app: Any = self.app
        d: Directory | None = app.directory
        if d is None:
            return
        for mid, name, ehak, county in d.municipalities:
            yield DiscoveryHit(f"{_('Municipality')}: {name} ({ehak})", partial(app.open_workspace, mid), help=county)
