"""The start-up floor for bench_tui.py: a bare Textual app that shows one Label, "ready".

It imports the libraries eits-tracker needs before it can draw a screen — Textual, Typer,
SQLAlchemy, SQLModel and the project's settings and database modules (which define the table
models) — but builds nothing from them: no settings read, no engine, no query. The time from
Enter to "ready" is what any app on this stack pays; eits-tracker's time to a filled dashboard
is set against it. `q` quits.

    .venv/bin/python benchmarks/bare_app.py
"""

from __future__ import annotations

from typing import ClassVar

# Imported for their cost only: what eits-tracker loads before its first screen.
import sqlalchemy  # noqa: F401
import sqlmodel  # noqa: F401
import typer  # noqa: F401
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Label

import eits_tracker.config
import eits_tracker.db.engine
import eits_tracker.db.models  # noqa: F401


class BareApp(App[None]):
    """One label; nothing else."""

    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Label("ready")


if __name__ == "__main__":
    BareApp().run()
