"""``eits-tracker`` without a command: the terminal app, built with the same settings as the CLI."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from eits_tracker.cli.common import state
from eits_tracker.config import Settings

if TYPE_CHECKING:
    from eits_tracker.tui.app import EitsApp


def build_app(settings: Settings, *, open_municipality: str | None = None, startup: Any = None) -> EitsApp:
    """The app, not yet running; the CLI tests check this without starting a terminal."""
    from eits_tracker.tui.app import EitsApp

    return EitsApp(settings, open_municipality=open_municipality, startup=startup)


def launch(ctx: typer.Context, open_municipality: str | None = None) -> None:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        # A script or a pipe: a full-screen app would hang there; say what is in the database instead.
        from eits_tracker.cli.common import err
        from eits_tracker.cli.overview import overview

        err("eits-tracker: not a terminal, so no app; here is the overview ('eits-tracker overview').")
        overview(ctx)
        return
    from eits_tracker.timeutil import utcnow
    from eits_tracker.tui.startup import Startup
    from eits_tracker.tui.trace import mark

    mark("cli ready")
    settings = state(ctx).settings
    # the database opens in a thread while Textual loads: the dashboard is full on its first frame
    startup = Startup(settings, utcnow).start()
    app = build_app(settings, open_municipality=open_municipality, startup=startup)
    mark("app built")
    app.run()


def tui(
    ctx: typer.Context,
    municipality: str | None = typer.Argument(None, help="Open this municipality (EHAK code or name) at once"),
) -> None:
    """Start the terminal app (what `eits-tracker` alone does)."""
    launch(ctx, municipality)
