"""The terminal app driven by Pilot: every flow asserts the database rows and the screen state."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, Label, OptionList, TextArea
from tui_helpers import dashboard, settle, until, workspace

from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database
from eits_tracker.tracking.municipalities import find_municipality
from eits_tracker.tracking.statuses import set_status, status_detail
from eits_tracker.tui.rowtable import RowTable
from eits_tracker.tui.screens.applicability import ApplicabilityScreen
from eits_tracker.tui.screens.catalogue import CatalogueScreen, DiffScreen
from eits_tracker.tui.screens.dashboard import DashboardScreen
from eits_tracker.tui.screens.dialogs import ConflictDialog, RiskDialog, TextDialog
from eits_tracker.tui.screens.help import HelpScreen
from eits_tracker.tui.screens.search import SearchScreen
from eits_tracker.tui.screens.workspace import WorkspaceScreen

SIZE = (120, 40)


def row_of(url: str, ehak: str, code: str) -> Any:
    db = open_database(load_settings(database_url=url), prepare=False)
    try:
        with db.session() as s:
            mu = find_municipality(s, ehak)
            return status_detail(s, mu, code)[1]
    finally:
        db.engine.dispose()


def history_of(url: str, ehak: str, code: str) -> list[Any]:
    db = open_database(load_settings(database_url=url), prepare=False)
    try:
        with db.session() as s:
            mu = find_municipality(s, ehak)
            return list(
                s.scalars(
                    select(m.StatusHistory)
                    .where(m.StatusHistory.municipality_id == mu.id, m.StatusHistory.measure_code == code)
                    .order_by(m.StatusHistory.id)
                ).all()
            )
    finally:
        db.engine.dispose()


async def open_muni(pilot: Any, name: str) -> WorkspaceScreen:
    screen = await dashboard(pilot)
    await pilot.press("f")
    await pilot.press(*name)
    await pilot.press("enter")
    table = screen.query_one(RowTable)
    assert table.row_count >= 1
    await pilot.press("enter")
    return await workspace(pilot)


def cell(screen: WorkspaceScreen, code: str, column: str) -> str:
    return screen.query_one("#ws-measures", RowTable).cell(code, column)


# --- start-up ----------------------------------------------------------------------


async def test_first_start_migrates_and_loads_with_progress(empty_db_url: str, make_app: Any) -> None:
    """An empty database: the loading screen shows progress, then the dashboard lists all 79 municipalities."""
    from eits_tracker.tui.screens.loading import LoadingScreen

    app = make_app(empty_db_url)
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoadingScreen)
        await until(
            pilot,
            lambda: (
                (
                    seen.append(str(app.screen.query_one("#loading-step", Label).render()))
                    if isinstance(app.screen, LoadingScreen)
                    else None
                )
                is None
                and isinstance(app.screen, DashboardScreen)
            ),
        )
        screen = await dashboard(pilot)
        assert screen.query_one(RowTable).row_count == 79
    db = open_database(load_settings(database_url=empty_db_url), prepare=False)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Edition)) == 2
        assert s.scalar(select(func.count()).select_from(m.Municipality)) == 79
    db.engine.dispose()


async def test_bad_database_is_shown_not_raised(tmp_path: Any, make_app: Any) -> None:
    """A database that cannot be opened: the loading screen says so; no traceback, the app keeps running."""
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_text("this is not SQLite")
    app = make_app(f"sqlite:///{bad}")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: str(app.screen.query_one("#loading-error", Label).render()) != "")
        assert "database" in str(app.screen.query_one("#loading-error", Label).render()).lower()


# --- dashboard ------------------------------------------------------------------------


async def test_dashboard_filters_and_sorts(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await dashboard(pilot)
        table = screen.query_one(RowTable)
        assert table.row_count == 79
        levels = {r.current.level for r in screen.rows}
        assert len(levels) > 1, "demo data should spread municipalities over levels"
        await pilot.press("f", *"tartu")
        names = [table.cell(k, "name") for k in table.row_keys]
        assert names == ["Tartu linn", "Tartu vald"]
        await pilot.press("escape")
        assert table.row_count == 79
        # sort: name → level (descending)
        await pilot.press("s")
        shown = [screen.rows_by_id[int(k)].current.level for k in table.row_keys]
        assert shown == sorted(shown, reverse=True)
        await pilot.press("r")
        shown = [screen.rows_by_id[int(k)].current.level for k in table.row_keys]
        assert shown == sorted(shown)
        # level filter through the select's value (what choosing in the dropdown sets)
        from textual.widgets import Select

        level = max(levels)
        screen.query_one("#dash-level", Select).value = level
        await pilot.pause()
        assert table.row_count == sum(1 for r in screen.rows if r.current.level == level)


# --- workspace: statuses ------------------------------------------------------------


async def test_status_key_saves_with_history(db_url: str, make_app: Any) -> None:
    """One key sets a status: the row, the history (source tui, user tester) and the screen agree."""
    app = make_app(db_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        assert code is not None
        await pilot.press("r")
        await settle(pilot)
        assert cell(screen, code, "status") == "implemented"
        await pilot.press("o")
        await settle(pilot)
        assert cell(screen, code, "status") == "partial"
    row = row_of(db_url, "0793", code)
    assert (row.status, row.version, row.updated_by) == ("partial", 2, "tester")
    hist = history_of(db_url, "0793", code)
    assert [(h.old_status, h.new_status, h.source, h.changed_by) for h in hist] == [
        (None, "implemented", "tui", "tester"),
        ("implemented", "partial", "tui", "tester"),
    ]


async def test_not_applicable_needs_justification_and_keeps_draft(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        await pilot.press("p")
        assert isinstance(app.screen, TextDialog)
        await pilot.press("ctrl+s")  # empty: refused in the dialog
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"no servers")
        await pilot.press("escape")  # closed by accident
        assert isinstance(app.screen, WorkspaceScreen)
        await pilot.press("p")
        assert app.screen.query_one(TextArea).text == "no servers"
        await pilot.press(*" of our own", "ctrl+s")
        await settle(pilot)
        assert cell(screen, code, "status") == "n/a"
    row = row_of(demo_url, "0793", code)
    assert (row.status, row.justification) == ("not_applicable", "no servers of our own")


async def test_refused_risk_acceptance_is_shown_and_nothing_typed_is_lost(demo_url: str, make_app: Any) -> None:
    """Accepting the risk of a basic measure is refused by the rules: error shown, values kept, row unchanged."""
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        assert screen.rows[code].level == "basic"
        before = row_of(demo_url, "0793", code)
        await pilot.press("a")
        assert isinstance(app.screen, RiskDialog)
        values = {
            "justification": "cost",
            "approved_by": "Linnapea",
            "approval_date": "2026-11-01",
            "decision_ref": "kk 12",
            "review_date": "2027-11-01",
        }
        for name, value in values.items():
            app.screen.query_one(f"#risk-{name}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WorkspaceScreen)
        assert any("basic measure" in n.message for n in app._notifications)
        await pilot.press("a")
        kept = {name: app.screen.query_one(f"#risk-{name}", Input).value for name in values}
        assert kept == values
    after = row_of(demo_url, "0793", code)
    assert (after.status, after.version) == (before.status, before.version)


async def test_bulk_marked_and_whole_module(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        first = screen.current_code()
        await pilot.press("space", "space")
        marked = sorted(screen.marked)
        assert len(marked) == 2 and first in marked
        await pilot.press("e")
        await settle(pilot)
        assert not screen.marked
        for code in marked:
            assert cell(screen, code, "status") == "not impl."
        module = screen.rows[first].module
        await pilot.press("B")
        assert isinstance(app.screen, TextDialog)
        await pilot.press("R", "ctrl+s")
        await settle(pilot)
        codes = screen.by_module[module]
        assert all(screen.rows[c].status == "implemented" for c in codes)
    for code in codes:
        assert row_of(demo_url, "0793", code).status == "implemented"


async def test_owner_due_and_note_edited_in_place(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        await pilot.press("i")
        owner = screen.query_one("#ed-owner", Input)
        owner.value = "IT-juht Mari"
        screen.query_one("#ed-due_date", Input).value = "31.12.2026"  # not ISO: refused
        screen.query_one("#ed-note", TextArea).text = "kord koostamisel"
        await pilot.pause()
        assert screen.drafts[code]["owner"] == "IT-juht Mari"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("due-date" in n.message for n in app._notifications)
        assert screen.drafts[code]["note"] == "kord koostamisel", "a refused save keeps what was typed"
        # moving away and back keeps the draft too
        await pilot.press("escape")
        assert isinstance(app.screen, WorkspaceScreen)
        screen.query_one("#ws-measures", RowTable).focus()
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("up")
        await settle(pilot)
        assert screen.query_one("#ed-owner", Input).value == "IT-juht Mari"
        screen.query_one("#ed-due_date", Input).value = "2026-12-31"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert code not in screen.drafts
        assert screen.rows[code].owner == "IT-juht Mari"
        assert str(screen.rows[code].due_date) == "2026-12-31"
    row = row_of(demo_url, "0793", code)
    assert (row.owner, str(row.due_date), row.note) == ("IT-juht Mari", "2026-12-31", "kord koostamisel")


async def _change_behind_the_back(url: str, code: str, status: str) -> None:
    db = open_database(load_settings(database_url=url, user="other"), prepare=False)
    with db.session() as s:
        set_status(s, municipality=find_municipality(s, "0793"), measure_code=code, status=status, actor="other")
        s.commit()
    db.engine.dispose()


@pytest.mark.parametrize("keep_mine", [True, False])
async def test_conflicting_edit_is_detected(db_url: str, make_app: Any, keep_mine: bool) -> None:
    """Another user changed the measure after it was shown: both values are shown; nothing silently lost."""
    app = make_app(db_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        await _change_behind_the_back(db_url, code, "not_implemented")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        assert app.screen.theirs["status"] == "not_implemented"
        assert app.screen.theirs["updated_by"] == "other"
        await pilot.press("ctrl+s" if keep_mine else "escape")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen) and app.screen.ws is not None)
        await settle(pilot)
        expected = "implemented" if keep_mine else "not_implemented"
        assert screen.rows[code].status == expected
    row = row_of(db_url, "0793", code)
    assert row.status == expected
    assert [h.changed_by for h in history_of(db_url, "0793", code)] == (["other", "tester"] if keep_mine else ["other"])


async def test_filters_narrow_the_measure_list(demo_url: str, make_app: Any) -> None:
    from textual.widgets import Checkbox, Select

    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        await pilot.press("f")
        assert not screen.query_one("#ws-filters").has_class("hidden")
        screen.node = ("root", "")
        screen.query_one("#flt-status", Select).value = "not_implemented"
        screen.query_one("#flt-level", Select).value = "basic"
        await settle(pilot)
        table = screen.query_one("#ws-measures", RowTable)
        codes = table.row_keys
        assert codes, "Tartu linn has unmet basic measures in the demo"
        assert all(screen.rows[c].status == "not_implemented" and screen.rows[c].level == "basic" for c in codes)
        expected = [c for c, r in screen.rows.items() if r.status == "not_implemented" and r.level == "basic"]
        assert codes == expected[:400]
        screen.query_one("#flt-status", Select).clear()
        screen.query_one("#flt-level", Select).clear()
        screen.query_one("#flt-prio", Select).value = "P1"
        await settle(pilot)
        codes = table.row_keys
        assert codes and all(screen.rows[c].priority_kov == "P1" for c in codes)
        screen.query_one("#flt-prio", Select).clear()
        screen.query_one("#flt-review", Checkbox).value = True
        await settle(pilot)
        assert table.row_keys == [c for c, r in screen.rows.items() if r.needs_review][:400]


async def test_measure_detail_shows_text_roles_threats_history(demo_url: str, make_app: Any) -> None:
    from textual.widgets import Static

    from eits_tracker.tui.widgets import MarkdownText

    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        d = screen.detail
        assert d.code == code and d.text and d.responsible
        md = screen.query_one("#ws-text", MarkdownText).source
        assert code in md and d.responsible in md
        hist = history_of(demo_url, "0793", code)
        text = str(screen.query_one("#ws-history", Static).render())
        assert len(d.history) == len(hist) and (not hist or hist[-1].changed_by in text)


# --- applicability -------------------------------------------------------------------


async def test_applicability_exclusion_needs_reason(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_muni(pilot, "Tartu linn")
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ApplicabilityScreen) and bool(app.screen.modules))
        screen = app.screen
        code = next(c for c, r in screen.modules.items() if r["applicable"])
        screen.query_one(RowTable).move_to(code)
        await pilot.press("space")
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"no such systems", "ctrl+s")
        await settle(pilot)
        assert screen.modules[code]["applicable"] is False
        assert screen.modules[code]["reason"] == "no such systems"
        approach = screen.approach
        await pilot.press("t")
        await settle(pilot)
        assert screen.approach != approach
        await pilot.press("escape")
        ws = await workspace(pilot)
        assert code not in ws.by_module, "the excluded module's measures leave the workspace"
    db = open_database(load_settings(database_url=demo_url), prepare=False)
    with db.session() as s:
        mu = find_municipality(s, "0793")
        o = s.scalars(
            select(m.ModuleApplicability).where(
                m.ModuleApplicability.municipality_id == mu.id, m.ModuleApplicability.module_code == code
            )
        ).one()
        assert (o.module_code, o.applicable, o.reason, o.changed_by) == (code, False, "no such systems", "tester")
        assert mu.approach != approach
    db.engine.dispose()


# --- catalogue, diff, search, palette, help ---------------------------------------------


async def test_catalogue_and_diff(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.screen.view is not None)
        screen = app.screen
        assert screen.view.key == "2024"
        assert len(screen.view.modules) == 109
        assert sum(len(v) for v in screen.view.measures.values()) == 1802
        await pilot.press("n")
        await until(pilot, lambda: screen.view.key == "2023")
        await pilot.press("n")
        await until(pilot, lambda: screen.view.key == "2024")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, DiffScreen) and bool(app.screen.changes))
        title = str(app.screen.query_one("#diff-title", Label).render())
        assert "42 added, 11 removed, 147 changed, 1613 unchanged" in title
        assert len(app.screen.changes) == 42 + 11 + 147


async def test_search_as_you_type_and_open(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"orp.4.m1")
        await settle(pilot)
        search = app.screen
        assert search.hits and search.hits[0].code == "ORP.4.M1"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.screen.view is not None)
        await settle(pilot)
        assert app.screen.query_one("#cat-measures", RowTable).cursor_key == "ORP.4.M1"


async def test_search_handles_estonian_letters(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("slash")
        await pilot.press(*"tööjaam")
        await settle(pilot)
        with_accents = [h.code for h in app.screen.hits]
        app.screen.query_one(Input).value = "toojaam"
        await settle(pilot)
        assert with_accents and [h.code for h in app.screen.hits] == with_accents
        assert app.screen.query_one(RowTable).row_count == len(with_accents)


async def test_search_from_workspace_opens_the_measure_there(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        target = next(c for c in screen.rows if c.startswith("ORP.4.M"))
        await pilot.press("slash", *target.lower(), "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.current_code() == target


async def test_command_palette_jumps_to_a_municipality(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Municipality: Tartu linn")
        await until(pilot, lambda: app.screen.query_one(OptionList).option_count > 0)
        await pilot.pause(0.3)
        await pilot.press("enter")
        screen = await workspace(pilot)
        assert screen.ws.name == "Tartu linn"


async def test_command_palette_reaches_actions_by_name(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"App: Catalogue")
        await until(pilot, lambda: app.screen.query_one(OptionList).option_count > 0)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CatalogueScreen))


async def test_help_lists_the_keys_of_the_screen(demo_url: str, make_app: Any) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_muni(pilot, "Tartu linn")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(f"{k} {d}" for k, d in app.screen.entries)
        for words in (
            "Implemented",
            "Not implemented",
            "Not applicable: asks why",
            "Risk accepted",
            "Mark",
            "Whole module",
            "Search",
            "Quit",
        ):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, WorkspaceScreen)


async def test_estonian_interface(demo_url: str, make_app: Any) -> None:
    from eits_tracker.tui.et import ET

    app = make_app(demo_url, lang="et")
    async with app.run_test(size=SIZE) as pilot:
        screen = await dashboard(pilot)
        columns = [c.label for c in screen.query_one(RowTable).columns]
        assert ET["Municipality"] in columns
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        await pilot.press("r")
        await settle(pilot)
        assert cell(screen, code, "status") == "rakendatud"
        descriptions = {b.description for bs in screen._bindings.key_to_bindings.values() for b in bs}
        assert ET["Implemented"] in descriptions and "Implemented" not in descriptions


async def test_quit_with_unsaved_edits_asks_first(demo_url: str, make_app: Any) -> None:
    from eits_tracker.tui.screens.dialogs import ConfirmDialog

    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        screen.query_one("#ed-owner", Input).value = "Keegi"
        await pilot.pause()
        screen.query_one("#ws-measures", RowTable).focus()
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        assert app.is_running and isinstance(app.screen, WorkspaceScreen)
        assert screen.drafts


async def test_wide_terminal_shows_owner_and_due_columns(demo_url: str, make_app: Any) -> None:
    """From 160 columns the measure table has room for owner and due date; at 120 it drops them."""
    app = make_app(demo_url)
    async with app.run_test(size=(170, 40)) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        keys = [c.key for c in screen.query_one("#ws-measures", RowTable).columns]
        assert keys[-2:] == ["owner", "due"]
        code = next(c for c, r in screen.rows.items() if r.owner)
        screen.focus_measure(code)
        assert cell(screen, code, "owner") == screen.rows[code].owner[:16]


async def test_start_shows_the_last_runs_numbers_then_the_databases(demo_url: str, make_app: Any) -> None:
    """The second start draws the snapshot of the first at once and replaces it by a fresh read."""
    from eits_tracker.tracking.maturity import maturity_of

    async with make_app(demo_url).run_test(size=SIZE) as pilot:
        await dashboard(pilot)
    code = "ISMS.1.M1"
    await _change_behind_the_back(demo_url, code, "not_implemented")
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await dashboard(pilot)
        assert app.startup.from_snapshot, "the second start should begin from the snapshot"
        db = open_database(load_settings(database_url=demo_url), prepare=False)
        with db.session() as s:
            mu = find_municipality(s, "0793")
            fresh = maturity_of(s, mu)
        db.engine.dispose()
        assert screen.rows_by_id[mu.id].current == fresh


async def test_conflicting_notes_can_be_merged(db_url: str, make_app: Any) -> None:
    """Both wrote a note at once: 'Merge the notes' keeps theirs above mine, in one new version."""
    app = make_app(db_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_muni(pilot, "Tartu linn")
        code = screen.current_code()
        await pilot.press("i")
        await settle(pilot)
        screen.query_one("#ed-note", TextArea).text = "Minu märge: kord koostamisel"
        await pilot.pause()
        db = open_database(load_settings(database_url=db_url, user="other"), prepare=False)
        with db.session() as s:
            set_status(
                s,
                municipality=find_municipality(s, "0793"),
                measure_code=code,
                status=None,
                actor="other",
                note="Nende märge: auditiks valmis",
            )
            s.commit()
        db.engine.dispose()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog) and app.screen.can_merge
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
        await settle(pilot)
    row = row_of(db_url, "0793", code)
    assert row.note == "Nende märge: auditiks valmis\n\nMinu märge: kord koostamisel"
    assert [h.changed_by for h in history_of(db_url, "0793", code)] == ["other", "tester"]
