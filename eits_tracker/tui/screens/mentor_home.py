"""The mentor's home: my mentees and how far they came since the assignment started, and what
was promised next. The mentor is the person behind the app's user (login or e-mail); anyone can
look at another mentor's home with the picker."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label, Select

from eits_tracker.tui import format as fmt
from eits_tracker.tui.i18n import _, mentoring_label, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.widgets import KeyBar
from eits_tracker.tui.work import run_db


def tallinn_today(app: Any) -> date:
    from eits_tracker.timeutil import TALLINN

    return app.clock().astimezone(TALLINN).date()


def due_cell(days_left: int, due: date) -> Text:
    if days_left < 0:
        return Text(f"{due} ({days_left} d)", style="bold red")
    if days_left <= 7:
        return Text(f"{due} ({days_left} d)", style="yellow")
    return Text(str(due))


class MentorHomeScreen(Screen[None]):
    """One mentor's mentees (progress since the assignment began) and their next follow-ups."""

    BINDINGS = [
        Binding("n", "new_session", "New session"),
        Binding("l", "log", "Session log"),
        Binding("enter", "open", "Open", show=False),
        Binding("d", "done", "Follow-up done"),
        Binding("x", "drop", "Drop follow-up", show=False),
        Binding("a", "toggle_ended", "Ended too", show=False),
        Binding("m", "pick", "Other mentor", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, mentor_id: int | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.mentor_id = mentor_id
        self.include_ended = False
        self.mentees: dict[str, Any] = {}
        self.followups: dict[str, Any] = {}
        self.loaded = False
        self.generation = -1

    def compose(self) -> ComposeResult:
        with Horizontal(id="mh-top"):
            yield Label(_("Mentor"), id="mh-title", classes="screen-title")
            yield Select([], id="mh-mentor", prompt=_("Choose a mentor"))
        yield RowTable(id="mh-mentees")
        yield Label("", id="mh-goal", classes="hint")
        yield Label(_("Next follow-ups"), classes="screen-title")
        yield RowTable(id="mh-followups")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#mh-mentees", RowTable).set_columns(
            [
                Column("name", _("Mentee"), max(18, len(_("Mentee")))),
                Column("period", _("Assignment"), max(23, len(_("Assignment")))),
                Column("start", _("Basic at start"), max(14, len(_("Basic at start")))),
                Column("now", _("Basic now"), max(9, len(_("Basic now")))),
                Column("delta", "±", 6),
                Column("focus", _("Focus modules"), max(13, len(_("Focus modules")))),
                Column("sessions", _("Sessions"), max(8, len(_("Sessions")))),
                Column("hours", _("Hours"), max(5, len(_("Hours")))),
                Column("last", _("Last session"), max(12, len(_("Last session")))),
                Column("open", _("Open"), max(4, len(_("Open")))),
                Column("overdue", _("Overdue"), max(7, len(_("Overdue")))),
            ]
        )
        self.query_one("#mh-followups", RowTable).set_columns(
            [
                Column("due", _("Due"), max(19, len(_("Due")))),
                Column("municipality", _("Municipality"), max(18, len(_("Municipality")))),
                Column("description", _("Follow-up"), max(44, len(_("Follow-up")))),
                Column("measure", _("Measure"), max(10, len(_("Measure")))),
                Column("owner", _("Owner"), max(16, len(_("Owner")))),
            ]
        )
        self.query_one("#mh-mentees", RowTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded and self.generation != self.app.data_generation:  # type: ignore[attr-defined]
            self.reload()

    def reload(self) -> None:
        from eits_tracker.mentoring.people import list_people, person_for_login
        from eits_tracker.mentoring.progress import mentee_progress, next_followups

        app: Any = self.app
        today = tallinn_today(app)
        wanted, ended = self.mentor_id, self.include_ended

        def read(session: Any) -> dict[str, Any]:
            mentors = list_people(session, role="mentor", today=today)
            mentor_id = wanted
            if mentor_id is None:
                me = person_for_login(session, app.actor)
                mentor_id = me.id if me is not None and "mentor" in me.roles else None
            if mentor_id is None:
                return {"mentors": mentors, "mentor_id": None, "mentees": [], "followups": []}
            return {
                "mentors": mentors,
                "mentor_id": mentor_id,
                "mentees": mentee_progress(
                    session,
                    mentor_id=mentor_id,
                    today=today,
                    include_ended=ended,
                    thresholds=app.settings.maturity_thresholds,
                ),
                "followups": next_followups(session, mentor_id=mentor_id, today=today, limit=50),
            }

        run_db(self, read, self._loaded, group="mentor-home", exclusive=True)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.loaded = True
        self.generation = self.app.data_generation  # type: ignore[attr-defined]
        self.mentor_id = data["mentor_id"]
        picker = self.query_one("#mh-mentor", Select)
        with picker.prevent(Select.Changed):
            picker.set_options([(f"{p.name} ({p.municipality or '—'})", p.id) for p in data["mentors"]])
            if self.mentor_id is not None:
                picker.value = self.mentor_id
        mentor = next((p for p in data["mentors"] if p.id == self.mentor_id), None)
        title = self.query_one("#mh-title", Label)
        if mentor is None:
            title.update(_("No mentor is linked to your login: choose one"))
            self.query_one("#mh-goal", Label).update(
                _("Tip: 'eits-tracker mentor add … --login {user}' makes this your home.").format(
                    user=self.app.actor  # type: ignore[attr-defined]
                )
            )
            picker.focus()
        else:
            title.update(_("Mentor: {name}").format(name=mentor.name))
            self.query_one("#mh-goal", Label).update(
                "" if data["mentees"] or self.include_ended else _("No active assignments; 'a' shows the ended ones.")
            )
        self.mentees = {str(r.assignment_id): r for r in data["mentees"]}
        self.followups = {str(f.id): f for f in data["followups"]}
        self.query_one("#mh-mentees", RowTable).set_rows(
            (
                key,
                [
                    Text(r.name, style="" if r.active else "dim"),
                    f"{r.start_date} … {r.end_date}",
                    f"{fmt.pct(r.basic_at_start)} (L{r.level_at_start})",
                    f"{fmt.pct(r.basic_now)} (L{r.level_now})",
                    fmt.delta_pp(
                        None if r.basic_now is None or r.basic_at_start is None else r.basic_now - r.basic_at_start
                    ),
                    f"{fmt.pct(r.focus_at_start)} → {fmt.pct(r.focus_now)}",
                    str(r.sessions),
                    f"{r.hours:.1f}",
                    r.last_held_at.astimezone(_tz()).strftime("%Y-%m-%d") if r.last_held_at else "—",
                    str(r.open_followups),
                    Text(str(r.overdue_followups), style="bold red" if r.overdue_followups else ""),
                ],
            )
            for key, r in self.mentees.items()
        )
        self.query_one("#mh-followups", RowTable).set_rows(
            (
                key,
                [
                    due_cell(f.days_left, f.due_date),
                    f.municipality,
                    f.description,
                    f.measure_code or "",
                    f.owner,
                ],
            )
            for key, f in self.followups.items()
        )
        self.show_goal()

    @on(RowTable.Highlighted, "#mh-mentees")
    def show_goal(self) -> None:
        r = self.selected()
        if r is not None:
            focus = ", ".join(r.focus_modules) or "—"
            goal = r.goal or _("no goal written down")
            self.query_one("#mh-goal", Label).update(_("Goal: {goal} · focus: {focus}").format(goal=goal, focus=focus))

    @on(Select.Changed, "#mh-mentor")
    def _picked(self, event: Select.Changed) -> None:
        if event.value != Select.BLANK and event.value != self.mentor_id:
            self.mentor_id = int(event.value)  # type: ignore[arg-type]
            self.reload()
            self.query_one("#mh-mentees", RowTable).focus()

    def selected(self) -> Any:
        key = self.query_one("#mh-mentees", RowTable).cursor_key
        return self.mentees.get(key) if key is not None else None

    def selected_followup(self) -> Any:
        key = self.query_one("#mh-followups", RowTable).cursor_key
        return self.followups.get(key) if key is not None else None

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("done", "drop"):
            return self.focused is not None and self.focused.id == "mh-followups"
        return True

    def action_new_session(self) -> None:
        from eits_tracker.tui.screens.session_form import SessionFormScreen

        r = self.selected()
        if r is None:
            self.notify(_("Choose a mentee first."), severity="warning")
            return
        if not r.active:
            self.notify(_("This assignment has ended; a session needs an active one."), severity="warning")
            return
        self.app.push_screen(SessionFormScreen(r.assignment_id))

    def action_log(self) -> None:
        from eits_tracker.tui.screens.session_log import SessionLogScreen

        r = self.selected()
        if r is not None:
            self.app.push_screen(SessionLogScreen(r.municipality_id))

    def action_open(self) -> None:
        if self.focused is not None and self.focused.id == "mh-followups":
            f = self.selected_followup()
            if f is not None:
                self.app.open_workspace(f.municipality_id, f.measure_code)  # type: ignore[attr-defined]
            return
        r = self.selected()
        if r is not None:
            self.app.open_workspace(r.municipality_id)  # type: ignore[attr-defined]

    @on(RowTable.Selected)
    def _selected(self) -> None:
        self.action_open()

    def action_done(self) -> None:
        f = self.selected_followup()
        if f is not None:
            close_followup_ui(self, f.id, f.version if hasattr(f, "version") else None, "done", "")

    def action_drop(self) -> None:
        from eits_tracker.tui.screens.dialogs import TextDialog

        f = self.selected_followup()
        if f is None:
            return

        def reason(result: Any) -> None:
            if isinstance(result, dict) and not result.get("cancelled"):
                close_followup_ui(self, f.id, None, "dropped", result["text"])

        self.app.push_screen(TextDialog(_("Drop follow-up #{id}").format(id=f.id), _("Why is it dropped?")), reason)

    def action_toggle_ended(self) -> None:
        self.include_ended = not self.include_ended
        self.reload()

    def action_pick(self) -> None:
        self.query_one("#mh-mentor", Select).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def search_context(self) -> dict[str, Any]:
        return {}


def close_followup_ui(screen: Any, followup_id: int, version: int | None, state: str, reason: str) -> None:
    """Close a follow-up from any screen, then reload that screen."""
    from eits_tracker.mentoring.followups import close_followup

    app: Any = screen.app

    def close(session: Any) -> None:
        close_followup(
            session, followup_id, state=state, reason=reason, actor=app.actor, expected_version=version, now=app.clock()
        )

    def closed(_result: Any) -> None:
        label = mentoring_label(state)
        app.notify(_("Follow-up #{id}: {state}").format(id=followup_id, state=label), timeout=3)
        screen.reload()

    run_db(screen, close, closed, write=True)


def _tz() -> Any:
    from eits_tracker.timeutil import TALLINN

    return TALLINN
