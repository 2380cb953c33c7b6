"""Waiting for the app the way a user would: until its thread workers are done and the screen shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


async def workers_done(app: Any) -> None:
    """Wait for the app's workers; one replaced by a newer request (exclusive groups) counts as done."""
    from textual.worker import WorkerCancelled

    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let every thread worker finish and its result reach the screen (workers may start workers)."""
    for _ in range(rounds):
        await workers_done(pilot.app)
        await pilot.pause()


async def steady(pilot: Any) -> None:
    """No blinking cursors, no pending workers, no toasts: the same picture every run (snapshots)."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app did not reach the expected state in time")
        await workers_done(pilot.app)
        await pilot.pause(0.01)


async def dashboard(pilot: Any) -> Any:
    from eits_tracker.tui.screens.dashboard import DashboardScreen

    await until(
        pilot,
        lambda: isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.loaded and pilot.app.screen.compared,
    )
    await settle(pilot)
    return pilot.app.screen


async def workspace(pilot: Any) -> Any:
    from eits_tracker.tui.screens.workspace import WorkspaceScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, WorkspaceScreen) and pilot.app.screen.ws is not None)
    await settle(pilot)
    return pilot.app.screen
