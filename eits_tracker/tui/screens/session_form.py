"""The session form: record a mentoring session in two minutes, right after it ends.

Everything on one scrolling page, top to bottom in the order a session is remembered: when and
how, who, what was discussed (module and measure fields complete codes, with titles shown
below), the notes (Markdown, F2 previews), the status changes agreed, new follow-ups, and the
open follow-ups of earlier sessions (space: done → dropped → open). What is typed is saved as
a draft as you go; Escape closes the form and keeps the draft, which comes back when the form
is opened again for the same assignment. Ctrl+S records everything in one transaction.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, TextArea

from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking.vocab import STATUSES
from eits_tracker.tui.drafting import DraftAutosave
from eits_tracker.tui.i18n import _, mentoring_label, status_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.suggest import ListSuggester, last_item
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db

FORMATS = ("on_site", "video", "phone")
PENDING = ("sf-change-measure", "sf-fu-description", "sf-fu-measure", "sf-fu-owner", "sf-fu-due")
NEXT_STATE = {"open": "done", "done": "dropped", "dropped": "open"}


class SessionFormScreen(DraftAutosave, Screen[bool]):
    """A new session of one assignment. Dismisses with True when recorded."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save session"),
        Binding("f2", "preview", "Preview notes"),
        Binding("escape", "close", "Close (keeps draft)"),
        Binding("delete", "remove", "Remove row", show=False),
        Binding("space", "cycle", "Done/dropped", show=False),
        Binding("f8", "discard", "Discard draft", show=False),
    ]

    def __init__(self, assignment_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.assignment_id = assignment_id
        self.ctx: Any = None
        self.changes: list[list[str]] = []
        self.followups: list[dict[str, str]] = []
        self.closings: dict[str, list[str]] = {}
        self.init_drafts()

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="sf-title", classes="screen-title")
        yield Label("", id="sf-error", classes="form-error")
        with VerticalScroll(id="sf-body"):
            yield Label("", id="sf-goal", classes="hint")
            with Horizontal(classes="sf-row"):
                yield Label(_("When"), classes="sf-label")
                yield Input(id="sf-when", placeholder="YYYY-MM-DD HH:MM")
                yield Label(_("Minutes"), classes="sf-label")
                yield Input(id="sf-duration", type="integer", classes="sf-short")
                yield Select([(mentoring_label(f), f) for f in FORMATS], id="sf-format", allow_blank=False)
            with Horizontal(classes="sf-row"):
                yield Label(_("People"), classes="sf-label")
                yield Input(id="sf-participants", placeholder=_("Participants, comma-separated"))
            with Horizontal(classes="sf-row"):
                yield Label(_("Modules"), classes="sf-label")
                yield Input(id="sf-modules", placeholder="ORP.4, CON.3")
            yield Label("", id="sf-modules-hint", classes="hint")
            with Horizontal(classes="sf-row"):
                yield Label(_("Measures"), classes="sf-label")
                yield Input(id="sf-measures", placeholder="ORP.4.M1, CON.3.M2")
            yield Label("", id="sf-measures-hint", classes="hint")
            yield Label(_("Notes (Markdown; F2 shows the preview)"), classes="sf-section")
            yield TextArea.code_editor(
                "", language="markdown", id="sf-notes", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            yield MarkdownText(id="sf-preview")
            yield Label(_("Status changes agreed"), classes="sf-section")
            with Horizontal(classes="sf-row"):
                yield Input(id="sf-change-measure", placeholder=_("Measure"))
                yield Select(
                    [(status_label(s), s) for s in STATUSES if s != "not_assessed"],
                    id="sf-change-status",
                    prompt=_("Status"),
                )
                yield Button(_("Add"), id="sf-change-add")
            yield RowTable(id="sf-changes", classes="sf-list")
            yield Label(_("New follow-ups"), classes="sf-section")
            with Horizontal(classes="sf-row"):
                yield Input(id="sf-fu-description", placeholder=_("What is to be done"))
                yield Input(id="sf-fu-measure", placeholder=_("Measure"), classes="sf-mid")
                yield Input(id="sf-fu-owner", placeholder=_("Owner"), classes="sf-mid")
                yield Input(id="sf-fu-due", placeholder=_("Due YYYY-MM-DD"), classes="sf-mid")
                yield Button(_("Add"), id="sf-fu-add")
            yield RowTable(id="sf-followups", classes="sf-list")
            yield Label(_("Open follow-ups of earlier sessions (space: done, dropped, open)"), classes="sf-section")
            yield RowTable(id="sf-open", classes="sf-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#sf-preview").display = False
        self.query_one("#sf-changes", RowTable).set_columns(
            [
                Column("measure", _("Measure"), max(12, len(_("Measure")))),
                Column("title", _("Title"), max(40, len(_("Title")))),
                Column("status", _("Status"), max(20, len(_("Status")))),
            ]
        )
        self.query_one("#sf-followups", RowTable).set_columns(
            [
                Column("description", _("Follow-up"), max(40, len(_("Follow-up")))),
                Column("measure", _("Measure"), max(12, len(_("Measure")))),
                Column("owner", _("Owner"), max(16, len(_("Owner")))),
                Column("due", _("Due"), max(10, len(_("Due")))),
            ]
        )
        self.query_one("#sf-open", RowTable).set_columns(
            [
                Column("id", "#", 4),
                Column("due", _("Due"), max(10, len(_("Due")))),
                Column("description", _("Follow-up"), max(40, len(_("Follow-up")))),
                Column("owner", _("Owner"), max(14, len(_("Owner")))),
                Column("state", _("Now"), max(10, len(_("Now")))),
            ]
        )
        from eits_tracker.mentoring.form import form_context

        app: Any = self.app
        today = app.clock().astimezone(TALLINN).date()
        run_db(self, lambda s: form_context(s, self.assignment_id, owner=app.actor, today=today), self._loaded)

    def _loaded(self, ctx: Any) -> None:
        from eits_tracker.mentoring.form import empty_payload

        self.ctx = ctx
        self.query_one("#sf-title", Label).update(
            _("New session: {mentor} → {municipality}").format(mentor=ctx.mentor, municipality=ctx.municipality)
        )
        goal = _("Assignment {start} … {end}").format(start=ctx.start_date, end=ctx.end_date)
        if ctx.goal:
            goal += " · " + _("Goal: {goal}").format(goal=ctx.goal)
        self.query_one("#sf-goal", Label).update(goal)
        self.query_one("#sf-modules", Input).suggester = ListSuggester(ctx.modules)
        self.query_one("#sf-measures", Input).suggester = ListSuggester(ctx.measures)
        self.query_one("#sf-change-measure", Input).suggester = ListSuggester(ctx.measures, single=True)
        self.query_one("#sf-fu-measure", Input).suggester = ListSuggester(ctx.measures, single=True)
        self.query_one("#sf-participants", Input).suggester = ListSuggester(ctx.participants)
        payload = ctx.draft if ctx.draft is not None else empty_payload(self.app.clock(), ctx)  # type: ignore[attr-defined]
        self.fill(payload)
        if ctx.draft is not None:
            from eits_tracker.timeutil import show

            self.notify(
                _("Your unsaved draft from {time} is back. F8 discards it.").format(time=show(ctx.draft_saved_at)),
                title=_("Draft restored"),
                timeout=6,
            )
        self.query_one("#sf-when", Input).focus()

    # --- the payload (what a draft keeps) ---------------------------------------------

    def fill(self, payload: dict[str, Any]) -> None:
        self.restoring = True
        try:
            for key, wid in (
                ("held_at", "#sf-when"),
                ("duration", "#sf-duration"),
                ("participants", "#sf-participants"),
                ("modules", "#sf-modules"),
                ("measures", "#sf-measures"),
            ):
                self.query_one(wid, Input).value = str(payload.get(key) or "")
            fmt = payload.get("format") or "video"
            self.query_one("#sf-format", Select).value = fmt if fmt in FORMATS else "video"
            self.query_one("#sf-notes", TextArea).text = str(payload.get("notes") or "")
            self.changes = [list(c) for c in payload.get("changes") or []]
            self.followups = [dict(f) for f in payload.get("followups") or []]
            self.closings = {k: list(v) for k, v in (payload.get("closings") or {}).items()}
            for wid in PENDING:
                self.query_one(f"#{wid}", Input).value = str((payload.get("pending") or {}).get(wid, ""))
            self.refill_lists()
        finally:
            self.call_after_refresh(self._restored)

    def _restored(self) -> None:
        self.restoring = False

    def payload(self) -> dict[str, Any]:
        return {
            "held_at": self.query_one("#sf-when", Input).value,
            "duration": self.query_one("#sf-duration", Input).value,
            "format": self.query_one("#sf-format", Select).value,
            "participants": self.query_one("#sf-participants", Input).value,
            "modules": self.query_one("#sf-modules", Input).value,
            "measures": self.query_one("#sf-measures", Input).value,
            "notes": self.query_one("#sf-notes", TextArea).text,
            "changes": [list(c) for c in self.changes],
            "followups": [dict(f) for f in self.followups],
            "closings": {k: list(v) for k, v in self.closings.items()},
            # half-typed rows: not part of the session until added, but never lost
            "pending": {wid: self.query_one(f"#{wid}", Input).value for wid in PENDING},
        }

    def refill_lists(self) -> None:
        titles = self.ctx.measures if self.ctx else {}
        self.query_one("#sf-changes", RowTable).set_rows(
            (str(i), [code, titles.get(code, "?"), status_label(status)])
            for i, (code, status) in enumerate(self.changes)
        )
        self.query_one("#sf-followups", RowTable).set_rows(
            (str(i), [f["description"], f.get("measure", ""), f.get("owner", ""), f.get("due", "")])
            for i, f in enumerate(self.followups)
        )
        if self.ctx is not None:
            self.query_one("#sf-open", RowTable).set_rows(
                (
                    str(f.id),
                    [
                        str(f.id),
                        str(f.due_date),
                        f.description,
                        f.owner,
                        mentoring_label(self.closings.get(str(f.id), ["open", ""])[0]),
                    ],
                )
                for f in self.ctx.open_followups
            )

    # --- drafts (tui.drafting) ----------------------------------------------------------

    def write_draft(self, session: Any, payload: dict[str, Any], owner: str) -> None:
        from eits_tracker.mentoring.drafts import save_draft
        from eits_tracker.mentoring.form import DRAFT_KIND, draft_key

        save_draft(session, owner=owner, kind=DRAFT_KIND, key=draft_key(self.assignment_id), payload=payload)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _edited(self, event: Any) -> None:
        if isinstance(event, Input.Changed) and event.input.id in ("sf-modules", "sf-measures"):
            self.hint(event.input.id)
        if isinstance(event, TextArea.Changed) and self.query_one("#sf-preview").display:
            self.query_one("#sf-preview", MarkdownText).show(event.text_area.text)
        self.changed()

    def hint(self, wid: str) -> None:
        """Titles of what the last item matches, so a code is never a guess."""
        if self.ctx is None:
            return
        titles = self.ctx.modules if wid == "sf-modules" else self.ctx.measures
        item = last_item(self.query_one(f"#{wid}", Input).value).upper()
        if item in titles:
            text = f"{item} — {titles[item]}"
        else:
            found = ListSuggester(titles).matches(item, 3) if item else []
            text = "   ".join(f"{code} {titles[code][:40]}" for code in found)
        self.query_one(f"#{wid}-hint", Label).update(text)

    # --- rows -------------------------------------------------------------------------

    @on(Select.Changed, "#sf-change-status")
    def _status_chosen(self) -> None:
        # measure typed, status picked: that is the whole row, no need to press Add
        if not self.restoring and self.query_one("#sf-change-measure", Input).value.strip():
            self.add_change()

    @on(Button.Pressed, "#sf-change-add")
    @on(Input.Submitted, "#sf-change-measure")
    def add_change(self) -> None:
        code = self.query_one("#sf-change-measure", Input).value.strip().upper()
        status = self.query_one("#sf-change-status", Select).value
        if not code:
            return
        if self.ctx is not None and code not in self.ctx.measures:
            self.error(_("{code} is not a measure of this municipality's edition.").format(code=code))
            return
        if status == Select.BLANK:
            self.query_one("#sf-change-status", Select).focus()
            return
        self.changes = [c for c in self.changes if c[0] != code] + [[code, str(status)]]
        self.query_one("#sf-change-measure", Input).value = ""
        with self.query_one("#sf-change-status", Select).prevent(Select.Changed):
            self.query_one("#sf-change-status", Select).clear()
        self.error("")
        self.refill_lists()
        self.changed()
        self.query_one("#sf-change-measure", Input).focus()

    @on(Button.Pressed, "#sf-fu-add")
    @on(Input.Submitted, "#sf-fu-description, #sf-fu-measure, #sf-fu-owner, #sf-fu-due")
    def add_followup(self) -> None:
        values = {
            key: self.query_one(f"#sf-fu-{key}", Input).value.strip()
            for key in ("description", "measure", "owner", "due")
        }
        if not values["description"]:
            self.query_one("#sf-fu-description", Input).focus()
            return
        if not values["due"]:
            self.error(_("Give the follow-up a due date (YYYY-MM-DD)."))
            self.query_one("#sf-fu-due", Input).focus()
            return
        values["measure"] = values["measure"].upper()
        self.followups.append(values)
        for key in values:
            self.query_one(f"#sf-fu-{key}", Input).value = ""
        self.error("")
        self.refill_lists()
        self.changed()
        self.query_one("#sf-fu-description", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused.id if self.focused else None
        if action == "remove":
            return focused in ("sf-changes", "sf-followups")
        if action == "cycle":
            return focused == "sf-open"
        return True

    def action_remove(self) -> None:
        table = self.focused
        if not isinstance(table, RowTable) or table.cursor_key is None:
            return
        index = int(table.cursor_key)
        if table.id == "sf-changes":
            del self.changes[index]
        else:
            del self.followups[index]
        self.refill_lists()
        self.changed()

    def action_cycle(self) -> None:
        from eits_tracker.tui.screens.dialogs import TextDialog

        key = self.query_one("#sf-open", RowTable).cursor_key
        if key is None:
            return
        state = NEXT_STATE[self.closings.get(key, ["open", ""])[0]]
        if state != "dropped":
            self.closings[key] = [state, ""]
            if state == "open":
                del self.closings[key]
            self.refill_lists()
            self.changed()
            return

        def reason(result: Any) -> None:
            text = result["text"] if isinstance(result, dict) and not result.get("cancelled") else ""
            if text.strip():
                self.closings[key] = ["dropped", text.strip()]
            else:
                self.closings.pop(key, None)  # no reason, not dropped: back to open
            self.refill_lists()
            self.changed()

        self.app.push_screen(
            TextDialog(
                _("Drop follow-up #{id}").format(id=key), _("Why is it dropped?"), self.closings.get(key, ["", ""])[1]
            ),
            reason,
        )

    # --- actions ------------------------------------------------------------------------

    def error(self, message: str) -> None:
        self.query_one("#sf-error", Label).update(message)

    def action_preview(self) -> None:
        preview = self.query_one("#sf-preview", MarkdownText)
        preview.display = not preview.display
        if preview.display:
            preview.show(self.query_one("#sf-notes", TextArea).text or _("(no notes yet)"))

    def action_save(self) -> None:
        from eits_tracker.mentoring.drafts import discard_draft
        from eits_tracker.mentoring.form import DRAFT_KIND, draft_key, payload_input
        from eits_tracker.mentoring.sessions import record_session

        if self.ctx is None:
            return
        app: Any = self.app
        ctx, payload = self.ctx, self.payload()
        self.stop_autosave()

        def record(session: Any) -> Any:
            data = payload_input(payload, ctx)
            done = record_session(
                session,
                data,
                actor=app.actor,
                now=app.clock(),
                risk_acceptance_basic=app.settings.risk_acceptance_basic,
            )
            discard_draft(session, owner=app.actor, kind=DRAFT_KIND, key=draft_key(ctx.assignment_id))
            return done.changes, len(done.followups), done.closed

        run_db(self, record, self._recorded, write=True, failed=lambda exc: self.error(exc.message))

    def _recorded(self, result: tuple[int, int, int]) -> None:
        changes, created, closed = result
        from eits_tracker.mentoring.drafts import discard_draft
        from eits_tracker.mentoring.form import DRAFT_KIND, draft_key

        app: Any = self.app
        app.workspaces.drop(self.ctx.municipality_id)
        self.dirty = False
        key = draft_key(self.assignment_id)

        def drop(session: Any) -> None:  # a draft save that was in flight must not bring it back
            discard_draft(session, owner=app.actor, kind=DRAFT_KIND, key=key)
            session.commit()

        run_db(app, drop, group="draft")
        self.app.notify(
            _("Session recorded: {c} status change(s), {f} follow-up(s), {d} closed.").format(
                c=changes, f=created, d=closed
            ),
            title=self.ctx.municipality,
        )
        self.dismiss(True)

    def action_close(self) -> None:
        if self.dirty:
            if self._autosave is not None:  # a save still waits for its timer: now
                self.stop_autosave()
                self.save_draft()
            self.app.notify(_("The draft is kept; open the form again to continue."), title=_("Draft kept"), timeout=4)
        self.dismiss(False)

    def action_discard(self) -> None:
        from eits_tracker.mentoring.drafts import discard_draft
        from eits_tracker.mentoring.form import DRAFT_KIND, draft_key, empty_payload
        from eits_tracker.tui.screens.dialogs import ConfirmDialog

        if self.ctx is None:
            return
        app: Any = self.app

        def decided(ok: bool | None) -> None:
            if not ok:
                return
            self.stop_autosave()
            key = draft_key(self.assignment_id)

            def drop(session: Any) -> None:
                discard_draft(session, owner=app.actor, kind=DRAFT_KIND, key=key)
                session.commit()

            run_db(self, drop)
            self.dirty = False
            self.fill(empty_payload(app.clock(), self.ctx))

        self.app.push_screen(
            ConfirmDialog(_("Discard draft"), _("Empty the form and forget the draft?"), _("Discard")), decided
        )

    def search_context(self) -> dict[str, Any]:
        return {"municipality_id": self.ctx.municipality_id} if self.ctx else {}
