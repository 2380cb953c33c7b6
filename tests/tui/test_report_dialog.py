"""The quarterly report from the app (Pilot + snapshots): R opens the dialog, Ctrl+S writes the report
with the chosen quarter, formats and language, the bar fills and the path is shown; a bad quarter is
refused in the dialog with what was typed kept, and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Label, ProgressBar
from tui_helpers import dashboard, settle, until

SIZE = (120, 40)


async def open_dialog(pilot: Any) -> Any:
    from eits_tracker.tui.screens.report_dialog import ReportDialog

    await dashboard(pilot)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReportDialog))
    await pilot.pause()
    return pilot.app.screen


def label(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Label).render())


async def test_writes_the_report_and_shows_where(make_app: Any, demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "aruanded"
    async with make_app(demo_url, reports_dir=str(out)).run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        # The last completed quarter by the app's clock (2026-11-27) and the configured folder.
        assert dialog.query_one("#report-quarter", Input).value == "2026Q3"
        assert dialog.query_one("#report-folder", Input).value == str(out)
        dialog.query_one("#report-format-html", Checkbox).value = False
        dialog.query_one("#report-format-xlsx", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: dialog.written is not None, timeout=60)
        await settle(pilot)
        assert dialog.query_one("#report-progress", ProgressBar).progress == 100
        shown = label(dialog, "#report-status")
        assert str(out / "2026Q3" / "index.md") in shown.replace("\n", "")
        assert (out / "2026Q3" / "index.md").is_file()
        assert (out / "2026Q3" / "eits-2026Q3.xlsx").is_file()
        assert not (out / "2026Q3" / "html").exists()
        summary = json.loads((out / "2026Q3" / "summary.json").read_text(encoding="utf-8"))
        assert summary["quarter"] == "2026Q3" and len(summary["municipalities"]) == 79
        # Esc closes; the choices are kept for the next time.
        await pilot.press("escape")
        await pilot.pause()
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#report-format-xlsx", Checkbox).value is True
        assert dialog.query_one("#report-format-html", Checkbox).value is False


async def test_a_bad_quarter_is_refused_and_kept(make_app: Any, demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "aruanded"
    async with make_app(demo_url, reports_dir=str(out)).run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        field = dialog.query_one("#report-quarter", Input)
        field.value = "2026Q5"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not dialog.running and "2026Q5" in label(dialog, ".dialog-error"))
        assert "quarter" in label(dialog, ".dialog-error")
        assert field.value == "2026Q5"
        assert not (out / "2026Q5").exists() and not any(out.glob("*/index.md"))


async def test_no_format_chosen_is_refused(make_app: Any, demo_url: str, tmp_path: Path) -> None:
    async with make_app(demo_url, reports_dir=str(tmp_path / "r")).run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        for key in ("md", "html", "xlsx", "oscal"):
            dialog.query_one(f"#report-format-{key}", Checkbox).value = False
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert label(dialog, ".dialog-error") == "Choose at least one format."
        assert not dialog.running and not (tmp_path / "r").exists()


@pytest.mark.parametrize("lang", ["en", "et"])
def test_report_dialog_snapshot(snap_compare: Any, make_app: Any, demo_url: str, lang: str) -> None:
    """The report dialog over the dashboard: quarter 2026Q3, folder /srv/eits/aruanded, Markdown and HTML
    ticked, XLSX and OSCAL not, the app's language chosen, an empty progress bar, Write report and Close."""

    async def run_before(pilot: Any) -> None:
        dialog = await open_dialog(pilot)
        for widget in dialog.query("Input"):
            widget.cursor_blink = False
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    app = make_app(demo_url, lang, reports_dir="/srv/eits/aruanded")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
