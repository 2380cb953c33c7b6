"""Snapshots of every screen in both languages (pytest-textual-snapshot; SVGs in __snapshots__/).

Each test's docstring says what a reviewer must see in the picture. Update deliberately with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import dashboard, settle, steady, until, workspace

from eits_tracker.tui.rowtable import RowTable

LANGS = ["en", "et"]


async def _open(pilot: Any, name: str = "Tartu linn") -> Any:
    await dashboard(pilot)
    await pilot.press("f", *name, "enter", "enter")
    return await workspace(pilot)


@pytest.mark.parametrize("lang", LANGS)
def test_dashboard(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Dashboard: level distribution line, filters, 79 municipalities by name with level, ±, assessed share,
    basic and standard fulfilment, change since 2026Q3, target approach; footer with the main keys."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


def test_dashboard_80x24(snap_compare: Any, make_app: Any, demo_url: str) -> None:
    """Dashboard at 80×24: every column readable (title may be cut), footer keys visible."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_workspace(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Workspace of Tartu linn: title with level and shares; layer → module tree with progress bars; the
    measures of ISMS.1 with status, level, KOV priority; the measure text below; status keys in the footer."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


def test_workspace_80x24(snap_compare: Any, make_app: Any, demo_url: str) -> None:
    """Workspace at 80×24: tree, code and status of each measure visible; footer shows r o e p a and esc."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_workspace_edit_and_history(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Status tab: the target's status and who set it, owner/due/note fields with a typed owner marked
    unsaved ('● unsaved'), filters bar open above the table."""

    async def run_before(pilot: Any) -> None:
        screen = await _open(pilot)
        await pilot.press("f")
        screen.query_one("#ws-measures", RowTable).focus()
        await pilot.press("i")
        screen.query_one("#ed-owner", Input).value = "IT-juht"
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_history_tab(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """History tab: every change of the measure, newest first, with time (Tallinn), who, source, old → new."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("h")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_not_applicable_dialog(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """The justification dialog over the workspace, with typed text and the Save/Cancel buttons."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("p")
        pilot.app.screen.query_one(TextArea).text = "Vallal pole oma servereid"
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_risk_dialog_refused(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Risk acceptance form with one field missing: the error names it; the typed fields stay."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("a")
        pilot.app.screen.query_one("#risk-justification", Input).value = "Kulukas"
        pilot.app.screen.query_one("#risk-approved_by", Input).value = "Linnapea"
        await pilot.press("ctrl+s")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_conflict_dialog(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Someone else set the measure meanwhile: theirs (saved, by 'other') and yours side by side."""
    from test_app import _change_behind_the_back

    async def run_before(pilot: Any) -> None:
        screen = await _open(pilot)
        await _change_behind_the_back(demo_url, screen.current_code(), "not_implemented")
        await pilot.press("r")
        await settle(pilot)
        # the time of their change is now; blank it for a stable picture
        for static in pilot.app.screen.query("Static"):
            text = str(static.render())
            if "(other," in text:
                static.update(text.split("(other,")[0] + "(other)")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_applicability(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Scope of Tartu linn: approach and module count in the title; each module ✓/✗ with why and reason."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("k")
        await until(pilot, lambda: bool(getattr(pilot.app.screen, "modules", None)))
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Catalogue browser on E-ITS 2024: edition selector, layer/module tree with measure counts, the first
    module's measures and its description, below it 'Best practices (3, w)' with the three demo pages citing
    ISMS.1; footer with w Best practices."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await pilot.press("c")
        await until(pilot, lambda: getattr(pilot.app.screen, "view", None) is not None)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_diff(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Edition diff 2023 → 2024: counts in the title (42 added, 11 removed, 147 changed), the list of
    changes, and the first change's text below."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await pilot.press("c")
        await until(pilot, lambda: getattr(pilot.app.screen, "view", None) is not None)
        await pilot.press("v")
        await until(pilot, lambda: bool(getattr(pilot.app.screen, "changes", None)))
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_search(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Search for 'varukoop' typed without accents: result count (34: catalogue, notes and, below the fold,
    wiki pages), hits with kind, code, title, snippet."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await pilot.press("slash", *"varukoop")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_help(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Keys of the workspace, then the keys that work everywhere."""

    async def run_before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("question_mark")
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_command_palette(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """Command palette with 'tartu': the municipalities Tartu linn and Tartu vald first."""

    async def run_before(pilot: Any) -> None:
        await dashboard(pilot)
        await pilot.press("ctrl+p", *"tartu")
        await pilot.pause(0.5)
        await steady(pilot)

    assert snap_compare(make_app(demo_url, lang), terminal_size=(120, 40), run_before=run_before)
