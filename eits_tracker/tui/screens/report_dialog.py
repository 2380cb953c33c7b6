"""The quarterly report from the app: choose quarter, formats, language and folder; watch it being written.

The same domain function as ``eits-tracker report quarterly`` runs in a thread worker with its own
session; its progress callback moves the bar from that thread (``call_from_thread``). At the end the
dialog shows the folder and the index file, and ``c`` copies the path. The choices are kept for the
next time in this session of the app; a refused run (bad quarter, bad folder) leaves them as typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RadioButton, RadioSet

from eits_tracker.errors import EitsError
from eits_tracker.tui.i18n import _, translate_bindings

FORMATS = (("md", "Markdown"), ("html", "HTML"), ("xlsx", "XLSX"), ("oscal", "OSCAL"))


def default_folder(settings: Any) -> Path:
    """The setting ``reports_dir``, else ./eits-reports of where the app was started."""
    return Path(settings.reports_dir).expanduser() if settings.reports_dir else Path.cwd() / "eits-reports"


class ReportDialog(ModalScreen[None]):
    """Write a quarterly report; stays open to show where it went."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+s", "write", "Write report"),
        Binding("c", "copy_path", "Copy path", show=False),
    ]

    def __init__(self, remembered: dict[str, Any]) -> None:
        """``remembered``: the app's record of the last choices (kept while the app runs)."""
        super().__init__()
        self.remembered = remembered
        translate_bindings(self)
        self.running = False
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        from eits_tracker.tracking.maturity import last_completed_quarter

        app: Any = self.app
        chosen = self.remembered
        quarter = chosen.get("quarter") or last_completed_quarter(app.clock())
        lang = chosen.get("lang") or app.settings.resolved_language()
        formats = chosen.get("formats") or ("md", "html")
        with Vertical(classes="dialog", id="report-dialog"):
            yield Label(_("Quarterly maturity report"), classes="dialog-title")
            with Horizontal(classes="report-row"):
                yield Label(_("Quarter"), classes="report-label")
                yield Input(quarter, id="report-quarter", placeholder="2026Q3")
            with Horizontal(classes="report-row"):
                yield Label(_("Folder"), classes="report-label")
                yield Input(str(chosen.get("folder") or default_folder(app.settings)), id="report-folder")
            with Horizontal(classes="report-row"):
                yield Label(_("Formats"), classes="report-label")
                for key, name in FORMATS:
                    yield Checkbox(name, key in formats, id=f"report-format-{key}")
            with Horizontal(classes="report-row"):
                yield Label(_("Language"), classes="report-label")
                with RadioSet(id="report-lang"):
                    yield RadioButton("eesti", lang == "et", id="report-lang-et")
                    yield RadioButton("English", lang == "en", id="report-lang-en")
            yield ProgressBar(total=100, show_eta=False, id="report-progress")
            yield Label("", id="report-status")
            yield Label("", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Write report"), id="ok", variant="primary")
                yield Button(_("Close"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#report-quarter", Input).focus()

    def choices(self) -> dict[str, Any]:
        formats = tuple(key for key, _name in FORMATS if self.query_one(f"#report-format-{key}", Checkbox).value)
        pressed = self.query_one("#report-lang", RadioSet).pressed_button
        return {
            "quarter": self.query_one("#report-quarter", Input).value.strip(),
            "folder": self.query_one("#report-folder", Input).value.strip(),
            "formats": formats,
            "lang": "en" if pressed is not None and pressed.id == "report-lang-en" else "et",
        }

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_write()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if not self.running:
            self.remembered.update(self.choices())
            self.dismiss(None)

    def action_copy_path(self) -> None:
        if self.written is not None:
            self.app.copy_to_clipboard(str(self.written))
            self.app.notify(_("Path copied."), timeout=3)

    def action_write(self) -> None:
        from eits_tracker.reporting.quarterly import write_quarterly
        from eits_tracker.tui.work import run_db

        if self.running:
            return
        chosen = self.choices()
        self.remembered.update(chosen)
        error = self.query_one(".dialog-error", Label)
        if not chosen["formats"]:
            error.update(_("Choose at least one format."))
            return
        if not chosen["folder"]:
            error.update(_("Give the folder to write the report to."))
            return
        error.update("")
        self.running = True
        self.written = None
        bar = self.query_one("#report-progress", ProgressBar)
        status = self.query_one("#report-status", Label)
        bar.update(progress=0)
        status.update(_("Writing…"))
        app: Any = self.app

        def moved(what: str, share: float) -> None:
            app.call_from_thread(bar.update, progress=round(share * 100))

        def job(session: Any) -> Any:
            return write_quarterly(
                session,
                chosen["quarter"],
                Path(chosen["folder"]).expanduser(),
                formats=chosen["formats"],
                lang=chosen["lang"],
                thresholds=app.settings.maturity_thresholds,
                progress=moved,
            )

        run_db(self, job, self._done, group="report", failed=self._failed)

    def _done(self, written: Any) -> None:
        self.running = False
        self.written = written.directory
        self.query_one("#report-progress", ProgressBar).update(progress=100)
        index = written.directory / ("index.md" if "md" in self.choices()["formats"] else "html/index.html")
        self.query_one("#report-status", Label).update(
            _("{n} municipalities, {files} files written to {path} (c copies the path)").format(
                n=len(written.report.municipalities), files=len(written.files), path=index
            )
        )

    def _failed(self, error: EitsError) -> None:
        self.running = False
        self.query_one("#report-progress", ProgressBar).update(progress=0)
        self.query_one("#report-status", Label).update("")
        self.query_one(".dialog-error", Label).update(error.message)
