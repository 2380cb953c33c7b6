"""`?`: the keys of the current screen and of the app, in the app's language."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from eits_tracker.tui.commands import area_of
from eits_tracker.tui.i18n import _, translate_bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("question_mark", "dismiss", "Close")]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        translate_bindings(self)
        self.for_screen = screen
        #: (key, description) as shown; an empty key starts the "everywhere" part.
        self.entries: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Label(_("Keys: {area}").format(area=area_of(self.for_screen)), classes="dialog-title")
            yield Static(self._table(), id="help-keys")
            yield Label(_("Ctrl+P reaches every action by name. Esc closes this window."), classes="hint")

    def _table(self) -> Table:
        app: Any = self.app
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        # The screen's own keys, then the app's; widget-internal keys (cursor movement) are standard.
        nodes: list[Any] = [self.for_screen, app]
        for node in nodes:
            if node is app:
                table.add_row("", "")
                table.add_row(Text(_("Everywhere"), style="bold"), "")
                self.entries.append(("", _("Everywhere")))
            for key, bindings in node._bindings.key_to_bindings.items():
                for b in bindings:
                    if not b.description or key in seen:
                        continue
                    seen.add(key)
                    text = b.tooltip or b.description  # the footer's short word, the help's full one
                    table.add_row(app.get_key_display(b), text)
                    self.entries.append((app.get_key_display(b), text))
        return table
