"""A municipality's session log: every mentoring session, newest first, with what it produced,
and the municipality's follow-ups (open ones first, overdue in red)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label

from eits_tracker.tui.i18n import _, mentoring_label, status_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.screens.mentor_home import close_followup_ui, due_cell, tallinn_today
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db


def detail_markdown(d: Any) -> str:
    """One session as Markdown: when, who, what was discussed, the notes, changes, follow-ups."""
    from eits_tracker.timeutil import show

    r = d.row
    lines = [
        f"### {show(r.held_at)} · {r.mentor} · {mentoring_label(r.format)} · {r.duration_minutes} min",
        "",
    ]
    if r.participants:
        lines.append(f"**{_('Participants')}:** {', '.join(r.participants)}  ")
    if r.modules:
        lines.append(f"**{_('Modules')}:** {', '.join(r.modules)}  ")
    if r.measures:
        lines.append(f"**{_('Measures')}:** {', '.join(r.measures)}  ")
    lines += ["", r.notes.strip() or f"_{_('No notes.')}_", ""]
    if d.changes:
        lines += [f"**{_('Status changes agreed')}**", ""]
        lines += [
            f"- {h.measure_code}: {status_label(h.old_status or 'not_assessed')} → {status_label(h.new_status)}"
            for h in d.changes
        ]
        lines.append("")
    if d.followups:
        lines += [f"**{_('Follow-ups')}**", ""]
        for f in d.followups:
            measure = f" ({f.measure_code})" if f.measure_code else ""
            owner = f", {f.owner}" if f.owner else ""
            state = mentoring_label(f.state) + (f": {f.reason}" if f.reason else "")
            lines.append(f"- #{f.id} {f.description}{measure}{owner}, {_('due')} {f.due_date} — {state}")
        lines.append("")
    if d.closed:
        lines += [f"**{_('Closed in this session')}**", ""]
        lines += [f"- #{f.id} {f.description} — {mentoring_label(f.state)}" for f in d.closed]
    return "\n".join(lines)


class SessionLogScreen(Screen[None]):
    """Sessions of one municipality on the left, the highlighted one on the right."""

    BINDINGS = [
        Binding("n", "new_session", "New session"),
        Binding("d", "done", "Follow-up done"),
        Binding("x", "drop", "Drop follow-up", show=False),
        Binding("w", "workspace", "Statuses", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, municipality_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.municipality_id = municipality_id
        self.sessions: dict[str, Any] = {}
        self.followups: dict[str, Any] = {}
        self.assignments: list[Any] = []
        self.me: int | None = None
        self.loaded = False
        self.generation = -1

    def compose(self) -> ComposeResult:
        with Horizontal(id="log-top"):
            yield Label(_("Loading…"), id="log-title", classes="screen-title")
        with Horizontal(id="log-body"):
            yield RowTable(id="log-sessions")
            with VerticalScroll(id="log-detail"):
                yield MarkdownText(id="log-text")
        yield RowTable(id="log-followups")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#log-sessions", RowTable).set_columns(
            [
                Column("date", _("Date"), max(10, len(_("Date")))),
                Column("mentor", _("Mentor"), max(14, len(_("Mentor")))),
                Column("format", _("Format"), max(9, len(_("Format")))),
                Column("min", _("Min"), max(4, len(_("Min")))),
                Column("changes", _("Changes"), max(7, len(_("Changes")))),
                Column("followups", _("Follow-ups"), max(10, len(_("Follow-ups")))),
            ]
        )
        self.query_one("#log-followups", RowTable).set_columns(
            [
                Column("due", _("Due"), max(19, len(_("Due")))),
                Column("state", _("State"), max(9, len(_("State")))),
                Column("description", _("Follow-up"), max(48, len(_("Follow-up")))),
                Column("measure", _("Measure"), max(10, len(_("Measure")))),
                Column("owner", _("Owner"), max(16, len(_("Owner")))),
            ]
        )
        self.query_one("#log-sessions", RowTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded and self.generation != self.app.data_generation:  # type: ignore[attr-defined]
            self.reload()

    def reload(self) -> None:
        from eits_tracker.db import models as m
        from eits_tracker.mentoring.assignments import list_assignments
        from eits_tracker.mentoring.followups import list_followups
        from eits_tracker.mentoring.sessions import list_sessions

        app: Any = self.app
        today = tallinn_today(app)
        mid = self.municipality_id

        def read(session: Any) -> dict[str, Any]:
            from eits_tracker.mentoring.people import person_for_login

            me = person_for_login(session, app.actor)
            muni = session.get(m.Municipality, mid)
            followups = list_followups(session, today=today, municipality_id=mid, states=None)
            followups.sort(
                key=lambda f: (f.state != "open", f.due_date if f.state == "open" else -f.due_date.toordinal())
            )
            return {
                "name": muni.name if muni else "?",
                "sessions": list_sessions(session, municipality_id=mid),
                "followups": followups,
                "assignments": list_assignments(session, municipality_id=mid, active_on=today),
                "me": me.id if me is not None else None,
            }

        run_db(self, read, self._loaded, group="session-log", exclusive=True)

    def _loaded(self, data: dict[str, Any]) -> None:
        from eits_tracker.timeutil import TALLINN

        self.loaded = True
        self.generation = self.app.data_generation  # type: ignore[attr-defined]
        self.assignments = data["assignments"]
        self.me = data["me"]
        mentors = ", ".join(a.mentor for a in self.assignments) or _("none now")
        self.query_one("#log-title", Label).update(
            _("Sessions of {name}: {n} · mentors: {mentors}").format(
                name=data["name"], n=len(data["sessions"]), mentors=mentors
            )
        )
        self.sessions = {str(s.id): s for s in data["sessions"]}
        self.followups = {str(f.id): f for f in data["followups"]}
        self.query_one("#log-sessions", RowTable).set_rows(
            (
                key,
                [
                    s.held_at.astimezone(TALLINN).strftime("%Y-%m-%d"),
                    s.mentor,
                    mentoring_label(s.format),
                    str(s.duration_minutes),
                    str(s.changes),
                    str(s.followups),
                ],
            )
            for key, s in self.sessions.items()
        )
        self.query_one("#log-followups", RowTable).set_rows(
            (
                key,
                [
                    due_cell(f.days_left, f.due_date) if f.state == "open" else Text(str(f.due_date), style="dim"),
                    mentoring_label(f.state),
                    f.description,
                    f.measure_code or "",
                    f.owner,
                ],
            )
            for key, f in self.followups.items()
        )
        if not self.sessions:
            self.query_one("#log-text", MarkdownText).show(_("No sessions recorded yet."))
        self.show_detail()

    @on(RowTable.Highlighted, "#log-sessions")
    def show_detail(self) -> None:
        from eits_tracker.mentoring.sessions import session_detail

        key = self.query_one("#log-sessions", RowTable).cursor_key
        if key is None:
            return
        run_db(
            self,
            lambda s: detail_markdown(session_detail(s, int(key))),
            self.query_one("#log-text", MarkdownText).show,
            group="session-detail",
            exclusive=True,
        )

    # --- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("done", "drop"):
            return self.focused is not None and self.focused.id == "log-followups"
        return True

    def selected_followup(self) -> Any:
        key = self.query_one("#log-followups", RowTable).cursor_key
        return self.followups.get(key) if key is not None else None

    def action_done(self) -> None:
        f = self.selected_followup()
        if f is not None and f.state == "open":
            close_followup_ui(self, f.id, f.version, "done", "")

    def action_drop(self) -> None:
        from eits_tracker.tui.screens.dialogs import TextDialog

        f = self.selected_followup()
        if f is None or f.state != "open":
            return

        def reason(result: Any) -> None:
            if isinstance(result, dict) and not result.get("cancelled"):
                close_followup_ui(self, f.id, f.version, "dropped", result["text"])

        self.app.push_screen(TextDialog(_("Drop follow-up #{id}").format(id=f.id), _("Why is it dropped?")), reason)

    def action_new_session(self) -> None:
        from eits_tracker.tui.screens.session_form import SessionFormScreen

        if not self.assignments:
            self.notify(
                _("No active assignment: a mentor must be assigned first ('eits-tracker mentor assign')."),
                severity="warning",
            )
            return
        # the user's own assignment when the municipality has several mentors
        mine = [a for a in self.assignments if a.mentor_id == self.me]
        self.app.push_screen(SessionFormScreen((mine or self.assignments)[0].id))

    def action_workspace(self) -> None:
        self.app.open_workspace(self.municipality_id)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()

    def search_context(self) -> dict[str, Any]:
        return {"municipality_id": self.municipality_id}
