"""Dashboard: all municipalities at a glance, sortable and filterable, with the level distribution."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from eits_tracker.text import estonian_key, fold
from eits_tracker.tui import format as fmt
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.rowtable import Column, RowTable
from eits_tracker.tui.trace import mark
from eits_tracker.tui.widgets import KeyBar
from eits_tracker.tui.work import run_db

SORTS = ("name", "level", "coverage", "basic", "standard", "change", "overdue")


def _sort_key(key: str, mentoring: dict[int, tuple[list[str], int]]) -> Any:
    def value(row: Any) -> Any:
        cur = row.current
        if key == "overdue":
            return (mentoring.get(row.municipality_id, ([], 0))[1], estonian_key(row.name))
        if key == "level":
            return (cur.level, cur.fulfilment.get("basic") or 0.0)
        if key == "coverage":
            return cur.coverage or 0.0
        if key in ("basic", "standard"):
            return cur.fulfilment.get(key) or 0.0
        if key == "change":
            return row.delta_basic or 0.0
        return estonian_key(row.name)

    return value


def _sort_label(key: str) -> str:
    return {
        "name": _("name"),
        "level": _("maturity level"),
        "coverage": _("assessed share"),
        "basic": _("basic fulfilment"),
        "standard": _("standard fulfilment"),
        "change": _("change since last quarter"),
        "overdue": _("overdue follow-ups"),
    }[key]


class LevelDistribution(Static):
    """One line: how many municipalities are at each maturity level."""

    def show(self, rows: list[Any]) -> None:
        counts = Counter(r.current.level for r in rows)
        total = max(1, len(rows))
        text = Text(_("Maturity levels") + "  ", style="bold")
        for level in range(6):
            n = counts.get(level, 0)
            text.append(f"{level} ", style=fmt.LEVEL_STYLE[level])
            text.append("▇" * max(1 if n else 0, round(12 * n / total)), style=fmt.LEVEL_STYLE[level])
            text.append(f" {n}   ")
        self.update(text)


class DashboardScreen(Screen[None]):
    """Every municipality: maturity level, coverage, fulfilment, change since the last quarter."""

    BINDINGS = [
        Binding("enter", "open", "Open", priority=False),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("f", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("k", "applicability", "Scope", show=False),
        Binding("m", "app.mentor_home", "Mentoring"),
        Binding("l", "session_log", "Sessions", show=False),
        Binding("F5", "reload", "Reload", show=False),
    ]

    def __init__(self, rows: list[Any] | None = None, *, stale: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        #: Current numbers read by the start-up thread (tui/startup.py), shown on the first frame.
        self.prefetched = rows
        #: The prefetched rows are the last run's snapshot: read the database right after showing them.
        self.stale = stale
        #: True once the comparison with the last quarter has arrived (it comes a moment later).
        self.compared = False
        self.rows: list[Any] = []
        self.rows_by_id: dict[int, Any] = {}
        #: Per municipality: its mentors now and its overdue follow-ups (read after the numbers).
        self.mentoring: dict[int, tuple[list[str], int]] = {}
        self.sort_by = "name"
        self.descending = False
        self.loaded = False
        self.generation = -1
        self._prefetch_timer: Any = None

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="dash-title", classes="screen-title")
        yield LevelDistribution(id="dash-dist")
        with Horizontal(id="dash-filters"):
            yield Input(placeholder=_("Name or EHAK code"), id="dash-name")
            # the selects are built on the first `f`: three of them cost a fifth of the first frame
            yield Horizontal(id="dash-selects")
        yield RowTable(id="dash-table")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        columns = []
        # fixed widths: the longest name is 17 characters
        for key, label, width in (
            ("name", _("Municipality"), 18),
            ("county", _("County"), 10),
            ("level", _("Lvl"), 3),
            ("dlevel", "±", 2),
            ("coverage", _("Assessed"), 8),
            ("basic", _("Basic"), 5),
            ("standard", _("Std"), 4),
            ("dbasic", _("±Basic"), 6),
            ("approach", _("Target"), 7),
            ("overdue", _("Overdue"), 7),
            ("mentors", _("Mentors"), 24),
        ):
            columns.append(Column(key, label, max(width, len(label))))
        table.set_columns(columns)
        table.focus()
        if self.prefetched is not None:
            rows, self.prefetched = self.prefetched, None
            self._loaded(rows, stale=self.stale)
        else:
            self.reload()

    def on_screen_resume(self) -> None:
        # Modals resume this screen too: reload only when something was written meanwhile.
        if self.loaded and self.generation != self.app.data_generation:  # type: ignore[attr-defined]
            self.reload()

    def reload(self) -> None:
        mark("dashboard reload")
        from eits_tracker.tracking.maturity import dashboard_rows
        from eits_tracker.tui import snapshot

        app: Any = self.app

        def read(session: Any) -> list[Any]:
            rows = dashboard_rows(session, now=app.clock(), thresholds=app.settings.maturity_thresholds, previous=False)
            snapshot.save(app.settings, rows)
            return rows

        run_db(
            self,
            read,
            self._loaded,
            group="dashboard",
            exclusive=True,
        )

    def compare(self) -> None:
        """The numbers at the end of the last quarter, for the change columns (history, so a bit slower)."""
        from eits_tracker.tracking.maturity import dashboard_previous

        app: Any = self.app
        run_db(
            self,
            lambda s: dashboard_previous(s, now=app.clock(), thresholds=app.settings.maturity_thresholds),
            self._compared,
            group="dashboard-previous",
            exclusive=True,
        )

    def read_mentoring(self) -> None:
        """Mentors and overdue follow-ups per municipality: one small query each, after the numbers."""
        from eits_tracker.mentoring.assignments import mentors_by_municipality
        from eits_tracker.mentoring.followups import overdue_by_municipality
        from eits_tracker.timeutil import TALLINN

        today = self.app.clock().astimezone(TALLINN).date()  # type: ignore[attr-defined]

        def read(session: Any) -> dict[int, tuple[list[str], int]]:
            mentors = mentors_by_municipality(session, today=today)
            overdue = overdue_by_municipality(session, today=today)
            return {mid: (mentors.get(mid, []), overdue.get(mid, 0)) for mid in set(mentors) | set(overdue)}

        run_db(self, read, self._mentoring_read, group="dashboard-mentoring", exclusive=True)

    def _mentoring_read(self, mentoring: dict[int, tuple[list[str], int]]) -> None:
        self.mentoring = mentoring
        self.refill()

    def _compared(self, result: tuple[str, dict[int, Any]]) -> None:
        from dataclasses import replace

        _quarter, before = result
        self.rows = [replace(r, previous=before.get(r.municipality_id)) for r in self.rows]
        self.rows_by_id = {r.municipality_id: r for r in self.rows}
        self.compared = True
        self.refill()
        mark("dashboard compared")
        mid = self.selected_id()
        if mid is not None:
            self.prefetch(mid)

    def _loaded(self, rows: list[Any], *, stale: bool = False) -> None:
        self.rows = rows
        self.rows_by_id = {r.municipality_id: r for r in rows}
        self.generation = self.app.data_generation  # type: ignore[attr-defined]
        first = not self.loaded
        self.loaded = True
        quarter = rows[0].previous_quarter if rows else ""
        self.query_one("#dash-title", Label).update(
            _("Municipalities: {n}; change since the end of {quarter}").format(n=len(rows), quarter=quarter)
        )
        mark("dashboard rows arrived")
        self.query_one(LevelDistribution).show(rows)
        self.refill()
        self.call_after_refresh(mark, "dashboard rows shown")
        self.compared = False
        # after the rows are on screen: the queries would otherwise compete with the first frame
        self.call_after_refresh(self.reload if stale else self.compare)
        if not stale:
            self.call_after_refresh(self.read_mentoring)
        if first:
            self.app.started()  # type: ignore[attr-defined]

    # --- table ----------------------------------------------------------------------

    def visible_rows(self) -> list[Any]:
        name = fold(self.query_one("#dash-name", Input).value)
        if self.query("#dash-county"):
            county = self.query_one("#dash-county", Select).value
            kind = self.query_one("#dash-kind", Select).value
            level = self.query_one("#dash-level", Select).value
        else:
            county = kind = level = Select.NULL
        out = []
        for r in self.rows:
            if name and name not in fold(r.name) and not r.ehak_code.startswith(name):
                continue
            if county != Select.NULL and r.county != county:
                continue
            if kind != Select.NULL and r.kind != kind:
                continue
            if level != Select.NULL and r.current.level != level:
                continue
            out.append(r)
        out.sort(key=_sort_key(self.sort_by, self.mentoring), reverse=self.descending)
        return out

    def refill(self) -> None:
        rows = []
        for r in self.visible_rows():
            cur = r.current
            rows.append(
                (
                    str(r.municipality_id),
                    [
                        r.name,
                        fmt.short_county(r.county),
                        fmt.level_cell(cur.level),
                        fmt.delta_level(r.delta_level),
                        fmt.pct(cur.coverage),
                        fmt.pct(cur.fulfilment.get("basic")),
                        fmt.pct(cur.fulfilment.get("standard")),
                        fmt.delta_pp(r.delta_basic),
                        _("std") if r.approach == "standard" else _("basic"),
                        fmt.overdue_cell(self.mentoring.get(r.municipality_id, ([], 0))[1]),
                        ", ".join(self.mentoring.get(r.municipality_id, ([], 0))[0]),
                    ],
                )
            )
        self.query_one(RowTable).set_rows(rows)

    def selected_id(self) -> int | None:
        key = self.query_one(RowTable).cursor_key
        return int(key) if key is not None else None

    @on(Input.Changed, "#dash-name")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        if self.loaded:
            self.refill()

    @on(Input.Submitted, "#dash-name")
    def _name_submitted(self) -> None:
        self.query_one(RowTable).focus()

    @on(RowTable.Highlighted)
    def _row_highlighted(self, event: RowTable.Highlighted) -> None:
        if self._prefetch_timer is not None:
            self._prefetch_timer.stop()
        if event.key is not None and self.compared:
            self._prefetch_timer = self.set_timer(0.25, lambda: self.prefetch(int(event.key)))  # type: ignore[arg-type]

    def prefetch(self, municipality_id: int) -> None:
        """Read the workspace of the row the cursor rests on, so Enter opens it at once."""
        from eits_tracker.tracking.workspace import open_workspace

        app: Any = self.app
        if app.workspaces.get(municipality_id) is not None:
            return
        run_db(self, lambda s: open_workspace(s, municipality_id), app.workspaces.put, group="prefetch", exclusive=True)

    @on(RowTable.Selected)
    def _row_selected(self, event: RowTable.Selected) -> None:
        self.action_open()

    # --- actions ----------------------------------------------------------------------

    def action_open(self) -> None:
        mid = self.selected_id()
        if mid is not None:
            self.app.open_workspace(mid)  # type: ignore[attr-defined]

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.descending = self.sort_by != "name"
        self.refill()
        self.notify(_("Sorted by {key}").format(key=_sort_label(self.sort_by)), timeout=2)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.refill()

    def action_filter(self) -> None:
        # Focus first: keys typed right after `f` must land in the field, not wait for the selects.
        self.query_one("#dash-name", Input).focus()
        holder = self.query_one("#dash-selects")
        if not holder.children:
            counties = sorted({r.county for r in self.rows})
            holder.mount_all(
                [
                    Select([(fmt.short_county(c), c) for c in counties], prompt=_("County"), id="dash-county"),
                    Select([(_("town"), "linn"), (_("rural municipality"), "vald")], prompt=_("Kind"), id="dash-kind"),
                    Select([(_("Level {n}").format(n=n), n) for n in range(6)], prompt=_("Level"), id="dash-level"),
                ]
            )

    def action_clear_filter(self) -> None:
        self.query_one("#dash-name", Input).value = ""
        for select in self.query(Select):
            select.clear()
        self.query_one(RowTable).focus()

    def action_applicability(self) -> None:
        from eits_tracker.tui.screens.applicability import ApplicabilityScreen

        mid = self.selected_id()
        if mid is not None:
            self.app.push_screen(ApplicabilityScreen(mid))

    def action_session_log(self) -> None:
        mid = self.selected_id()
        if mid is not None:
            self.app.open_session_log(mid)  # type: ignore[attr-defined]

    def action_reload(self) -> None:
        self.reload()

    def search_context(self) -> dict[str, Any]:
        return {}
