"""The app: settings and a database factory come in; screens do their work in thread workers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from eits_tracker.config import Settings
from eits_tracker.db.setup import Database
from eits_tracker.errors import EitsError
from eits_tracker.timeutil import utcnow
from eits_tracker.tui.i18n import _, set_language, translate_bindings
from eits_tracker.tui.trace import mark


def _warm_imports() -> None:
    """Import the other screens while the user reads the dashboard, not when they press Enter."""
    import eits_tracker.tracking.search
    import eits_tracker.tracking.workspace
    import eits_tracker.tui.commands
    import eits_tracker.tui.screens.catalogue
    import eits_tracker.tui.screens.mentor_home
    import eits_tracker.tui.screens.search
    import eits_tracker.tui.screens.session_log
    import eits_tracker.tui.screens.workspace  # noqa: F401


def _jump_provider() -> type[Any]:
    from eits_tracker.tui.commands import JumpProvider

    return JumpProvider


class WorkspaceCache:
    """The last few workspaces read, by municipality; small, so memory stays flat."""

    def __init__(self, size: int = 6) -> None:
        self.size = size
        self._items: dict[int, Any] = {}

    def get(self, municipality_id: int) -> Any:
        return self._items.get(municipality_id)

    def put(self, ws: Any) -> None:
        self._items.pop(ws.municipality_id, None)
        self._items[ws.municipality_id] = ws
        while len(self._items) > self.size:
            self._items.pop(next(iter(self._items)))

    def drop(self, municipality_id: int) -> None:
        self._items.pop(municipality_id, None)


class EitsApp(App[None]):
    """eits-tracker in the terminal. Starts on a loading screen that prepares the database."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_jump_provider}
    TITLE = "eits-tracker"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("ctrl+p", "command_palette", "Commands", key_display="^p", show=False),
        Binding("q", "quit", "Quit"),
        Binding("g", "dashboard", "Dashboard", show=False),
        Binding("c", "catalogue", "Catalogue", show=False),
        Binding("m", "mentor_home", "Mentoring", show=False),
        Binding("R", "quarterly_report", "Quarterly report", show=False),
        Binding("w", "wiki", "Best practices", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        database: Database | None = None,
        clock: Callable[[], datetime] = utcnow,
        open_municipality: str | None = None,
        startup: Any = None,
    ) -> None:
        self.settings = settings
        set_language(settings.resolved_language())
        super().__init__()
        translate_bindings(self)
        self.database: Database | None = database
        self.clock = clock
        self.open_municipality = open_municipality
        self.startup = startup
        self.actor = settings.resolved_user()
        #: Names for the command palette (municipalities, modules, measures), loaded once.
        self.directory: Any = None
        #: Bumped after every successful write; screens reload on resume when it moved.
        self.data_generation = 0
        #: The report dialog's last choices (quarter, folder, formats, language) while the app runs.
        self.report_choices: dict[str, Any] = {}
        #: Municipality workspaces read recently (shown at once, then read again).
        self.workspaces = WorkspaceCache()

    # --- start-up ------------------------------------------------------------------

    def on_mount(self) -> None:
        from eits_tracker.tui.screens.loading import LoadingScreen

        mark("app mounted")
        if self.database is None:
            from eits_tracker.tui.startup import Startup

            if self.startup is None:
                self.startup = Startup(self.settings, self.clock).start()
            # A current database is usually ready by now: then no loading screen at all.
            if self.startup.done.wait(0.25) and self.startup.error is None:
                self.database_ready(
                    self.startup.database, self.startup.rows, first=True, stale=self.startup.from_snapshot
                )
                return
        self.push_screen(LoadingScreen())

    def database_ready(
        self, database: Database, rows: list[Any] | None = None, *, first: bool = False, stale: bool = False
    ) -> None:
        """The schema and reference data are in place (the loading screen, or at once on a current database)."""
        from eits_tracker.tui.screens.dashboard import DashboardScreen

        mark("database ready")
        self.database = database
        # On a shared PostgreSQL database the history names the login, not what --user said.
        self.actor = database.actor
        if first:
            self.push_screen(DashboardScreen(rows, stale=stale))
        else:
            self.switch_screen(DashboardScreen(rows, stale=stale))
        if self.open_municipality:
            self.open_workspace_by_query(self.open_municipality)

    async def action_quit(self) -> None:
        """Quit, but not over unsaved edits without asking."""
        from eits_tracker.tui.screens.dialogs import ConfirmDialog

        unsaved = sum(len(getattr(s, "drafts", {})) for s in self.screen_stack)
        if not unsaved:
            self.exit()
            return

        def decided(ok: bool | None) -> None:
            if ok:
                self.exit()

        self.push_screen(
            ConfirmDialog(
                _("Unsaved edits"),
                _("{n} measure(s) have edits that are not saved. Quit and discard them?").format(n=unsaved),
                _("Discard and quit"),
            ),
            decided,
        )

    def started(self) -> None:
        """The dashboard shows its first rows: the start-up is over."""
        import gc

        if not gc.isenabled():
            # Launched by the console script with collection off (eits_tracker/launcher.py): what
            # start-up left lives as long as the app; frozen, later full collections stay short,
            # so a key press never waits on one.
            gc.collect()
            gc.freeze()
            gc.enable()
        self.run_worker(_warm_imports, thread=True, group="warm", exit_on_error=False)

    # --- one road for errors -----------------------------------------------------------

    def show_error(self, error: EitsError) -> None:
        self.notify(error.message, title=_(error.title), severity="error", timeout=12, markup=False)

    # --- navigation ------------------------------------------------------------------

    def open_workspace(self, municipality_id: int, measure: str | None = None) -> None:
        from eits_tracker.tui.screens.workspace import WorkspaceScreen

        for screen in self.screen_stack:
            if isinstance(screen, WorkspaceScreen) and screen.municipality_id == municipality_id:
                while self.screen is not screen:
                    self.pop_screen()
                if measure:
                    screen.focus_measure(measure)
                return
        mark("workspace push")
        self.push_screen(WorkspaceScreen(municipality_id, measure=measure))

    def open_workspace_by_query(self, query: str) -> None:
        from eits_tracker.tracking.municipalities import find_municipality
        from eits_tracker.tui.work import run_db

        def find(session: Any) -> int:
            return int(find_municipality(session, query).id)  # type: ignore[arg-type]

        run_db(self, find, self.open_workspace)

    def open_catalogue(self, code: str | None = None, edition_key: str | None = None) -> None:
        from eits_tracker.tui.screens.catalogue import CatalogueScreen

        self.push_screen(CatalogueScreen(code=code, edition_key=edition_key))

    def action_dashboard(self) -> None:
        from eits_tracker.tui.screens.dashboard import DashboardScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_catalogue(self) -> None:
        if self.database is not None:
            self.open_catalogue()

    def action_mentor_home(self) -> None:
        from eits_tracker.tui.screens.mentor_home import MentorHomeScreen

        if self.database is not None and not isinstance(self.screen, MentorHomeScreen):
            self.push_screen(MentorHomeScreen())

    def action_quarterly_report(self) -> None:
        from eits_tracker.tui.screens.report_dialog import ReportDialog

        if self.database is not None and not isinstance(self.screen, ReportDialog):
            self.push_screen(ReportDialog(self.report_choices))

    def action_wiki(self, code: str | None = None) -> None:
        """The wiki's page list; with ``code``, the best practices citing that module or measure."""
        from eits_tracker.tui.screens.wiki_list import WikiListScreen

        if self.database is not None:
            self.push_screen(WikiListScreen(code))

    def open_session_log(self, municipality_id: int) -> None:
        from eits_tracker.tui.screens.session_log import SessionLogScreen

        self.push_screen(SessionLogScreen(municipality_id))

    def action_search(self) -> None:
        from eits_tracker.tui.screens.search import SearchScreen

        if self.database is None or isinstance(self.screen, SearchScreen):
            return
        self.push_screen(SearchScreen(context=getattr(self.screen, "search_context", lambda: {})()))

    def action_help(self) -> None:
        from eits_tracker.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # --- command palette -------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the screen and the app by name, in the app's language ("area: action")."""
        from eits_tracker.tui.commands import binding_commands

        yield from binding_commands(self, screen)
        yield SystemCommand(_("App: change theme"), _("Pick a colour theme"), self.action_change_theme)
        yield SystemCommand(_("App: quit"), _("Leave eits-tracker"), self.exit)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder=_("Municipality, module, measure or action…"), id="--command-palette")
            )
