"""The start-up work that does not need the screen, started before Textual is even imported.

Opening the database (and on a new one: migrating, loading the catalogue and the
municipalities) and reading the dashboard's numbers take a few hundred milliseconds; done in
a thread while the main thread imports and mounts the app, the dashboard is full on its
first frame. This module must not import textual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from eits_tracker.config import Settings
from eits_tracker.errors import EitsError


class Startup:
    """Runs once per app in its own thread; the loading screen reads its progress."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.clock = clock
        self.messages: list[str] = []  # progress of the database set-up, in order (appended by the thread)
        self.database: Any = None
        self.rows: list[Any] | None = None
        #: True when ``rows`` come from the last run's snapshot (tui/snapshot.py), not from the database.
        self.from_snapshot = False
        self.error: EitsError | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eits-startup", daemon=True)

    def start(self) -> Startup:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from eits_tracker.db.setup import open_database
            from eits_tracker.tui import snapshot

            self.database = open_database(self.settings, progress=self.messages.append)
            if not self.messages:  # nothing was migrated or loaded: the last run's numbers still fit
                self.rows = snapshot.load(self.settings)
                self.from_snapshot = self.rows is not None
            if self.rows is not None:
                return
            from eits_tracker.tracking.maturity import dashboard_rows  # the models come with it

            with self.database.session() as session:
                self.rows = dashboard_rows(
                    session, now=self.clock(), thresholds=self.settings.maturity_thresholds, previous=False
                )
        except EitsError as exc:
            self.error = exc
        except Exception as exc:  # shown on the loading screen, never as a traceback
            self.error = EitsError(f"{type(exc).__name__}: {exc}")
        finally:
            self.done.set()
        if self.rows is not None and not self.from_snapshot:
            from eits_tracker.tui import snapshot

            snapshot.save(self.settings, self.rows)  # after done: the first frame does not wait for it
