"""What every form that keeps a draft does: save what is typed shortly after each change, and on close.

The session form and the wiki editor share it. A screen mixes in :class:`DraftAutosave`, calls
``init_drafts()`` in ``__init__``, ``changed()`` on every edit (not while ``restoring`` a draft into the
widgets), and implements ``payload()`` (the form as plain data) and ``write_draft(session, payload,
owner)`` (one upsert; the caller commits). The save runs on an app-level worker, so it outlives the
screen when Escape closes it; a save still waiting for its timer when the screen goes is done at once.
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches

from eits_tracker.tui.work import run_db


class DraftAutosave:
    AUTOSAVE_SECONDS = 0.6
    ctx: Any
    app: Any

    def init_drafts(self) -> None:
        self.restoring = False
        self.dirty = False
        self._autosave: Any = None

    def payload(self) -> dict[str, Any]:  # pragma: no cover - each form has its own
        raise NotImplementedError

    def write_draft(self, session: Any, payload: dict[str, Any], owner: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def changed(self) -> None:
        """The user edited something: save the draft once typing pauses."""
        if self.restoring or self.ctx is None:
            return
        self.dirty = True
        self.stop_autosave()
        self._autosave = self.set_timer(self.AUTOSAVE_SECONDS, self.save_draft)  # type: ignore[attr-defined]

    def stop_autosave(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None

    def save_draft(self) -> None:
        if self.ctx is None or not self.dirty:
            return
        app = self.app
        payload, write = self.payload(), self.write_draft
        self._autosave = None

        # Not a data write for the other screens: run_db(write=False) and commit here. The app runs
        # it, not the screen: a screen's workers end with the screen (Escape).
        def keep(session: Any) -> None:
            write(session, payload, app.actor)
            session.commit()

        run_db(app, keep, group="draft", exclusive=True)

    def on_unmount(self) -> None:
        # Closed (or the app quit) while a draft save still waited for its timer: save it now.
        if self._autosave is not None and self.dirty and self.ctx is not None:
            self.stop_autosave()
            try:
                payload = self.payload()
            except NoMatches:  # the widgets are gone already
                return
            with self.app.database.session() as session:
                self.write_draft(session, payload, self.app.actor)
                session.commit()
