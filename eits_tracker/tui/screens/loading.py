"""First screen: connect, migrate and load the reference data, with visible progress."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Label, ProgressBar

from eits_tracker.errors import EitsError
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.widgets import KeyBar

#: What the database set-up reports, in the app's language (setup.py speaks English for the CLI).
_STEPS = (
    ("created the database schema", "Created the database schema"),
    ("upgraded the database schema", "Upgraded the database schema"),
    ("loading catalogue", "Loading the E-ITS catalogue"),
    ("loaded ", "Catalogue loaded"),
    ("adding the 79 municipalities", "Adding the 79 municipalities"),
    ("added ", "Municipalities added"),
)


def describe_step(message: str) -> str:
    for prefix, text in _STEPS:
        if message.startswith(prefix):
            detail = message.split(" ", 2)[-1] if prefix == "loading catalogue" else ""
            return _(text) + (f" ({detail.rstrip(' …')})" if detail else "")
    return message


class LoadingScreen(Screen[None]):
    """Shown until the database is ready; on a new database this is where the catalogue loads."""

    BINDINGS = [("q", "app.quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._steps = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="loading"):
            yield Label("eits-tracker", id="loading-title")
            yield Label(_("Opening the database…"), id="loading-step")
            with Center():
                yield ProgressBar(total=None, show_eta=False, id="loading-bar")
            yield Label("", id="loading-error")
        yield KeyBar()

    def on_mount(self) -> None:
        from eits_tracker.db.setup import shipped_editions

        app: Any = self.app
        if app.database is not None:
            app.database_ready(app.database)
            return
        # migrate, each edition, municipalities, the dashboard: an upper bound, the bar never runs back
        self.total = 2 + 2 * len(shipped_editions()) + 3
        self.query_one(ProgressBar).update(total=self.total, progress=1)
        self._timer = self.set_interval(0.05, self._poll)

    def _poll(self) -> None:
        """Follow the start-up thread (see tui/startup.py): its messages, then its result."""
        startup = self.app.startup  # type: ignore[attr-defined]
        while self._steps < len(startup.messages):
            message = startup.messages[self._steps]
            self._steps += 1
            self.query_one(ProgressBar).update(progress=1 + self._steps * 2)
            self.query_one("#loading-step", Label).update(describe_step(message))
        if not startup.done.is_set():
            return
        self._timer.stop()
        if startup.error is not None:
            self._failed(startup.error)
            return
        self.query_one(ProgressBar).update(progress=self.total)
        self.app.database_ready(startup.database, startup.rows, stale=startup.from_snapshot)  # type: ignore[attr-defined]

    def _failed(self, error: EitsError) -> None:
        self.query_one("#loading-step", Label).update(_("The database could not be opened."))
        self.query_one("#loading-error", Label).update(f"{_(error.title)}: {error.message}")
        self.query_one(ProgressBar).display = False
