"""RowTable: a read-only table drawn line by line, for the lists the specialist moves through all day.

Textual's DataTable renders every visible cell through Rich on each change (about 0.3 ms a
cell, 0.1 s for the first frame of the dashboard) and measures columns as rows arrive. The
tables here have fixed columns and change one row at a time, so this widget keeps one
pre-rendered strip per row, redraws only the row that changed, and draws the cursor by
restyling that row's strip: a key press costs one line, not a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text
#: Spaces between columns: two, so a cell's words never run into the next column's.
GAP = 2


@dataclass
class Column:
    key: str
    label: str
    #: Cells wide; None: takes what the fixed columns leave (at least ``min_width``).
    width: int | None = None
    min_width: int = 8


class RowTable(ScrollView, can_focus=True):
    """Rows of cells with a key each; a cursor row; Enter selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor"}

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .row-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .row-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
    }
    """

    cursor = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: RowTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            return self.table

    class Selected(Message):
        """Enter (or a second click) on a row."""

        def __init__(self, table: RowTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        from eits_tracker.tui.i18n import translate_bindings

        translate_bindings(self)
        self.columns: list[Column] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: list[list[Cell]] = []
        self._strips: dict[int, Strip] = {}
        self._header: Strip | None = None
        self._widths: list[int] = []
        self._width_for = -1
        self._base: Style | None = None

    # --- content ------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._invalidate()

    def set_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]], *, keep_cursor: bool = True) -> None:
        """Replace every row; the cursor stays on the same key where it still exists."""
        current = self.cursor_key if keep_cursor else None
        self._keys, self._cells = [], []
        for key, cells in rows:
            self._keys.append(key)
            self._cells.append(list(cells))
        self._index = {k: i for i, k in enumerate(self._keys)}
        self._strips.clear()
        self.virtual_size = Size(self._width(), len(self._keys) + 1)
        target = self._index.get(current, 0) if current is not None else 0
        self.set_reactive(RowTable.cursor, min(target, max(0, len(self._keys) - 1)))
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_key))

    def update_row(self, key: str, cells: Sequence[Cell]) -> None:
        """Redraw one row (after its status changed): one line, not the table."""
        index = self._index.get(key)
        if index is None:
            return
        self._cells[index] = list(cells)
        self._strips.pop(index, None)
        self.refresh_line(index + 1)

    def clear(self) -> None:
        self.set_rows([])

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor] if 0 <= self.cursor < len(self._keys) else None

    def cell(self, key: str, column: str) -> str:
        """The plain text of a cell (what tests and screen readers see)."""
        index = self._index[key]
        col = next(i for i, c in enumerate(self.columns) if c.key == column)
        value = self._cells[index][col]
        return value.plain if isinstance(value, Text) else str(value)

    def move_to(self, key: str) -> bool:
        index = self._index.get(key)
        if index is None:
            return False
        self.cursor = index
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._index

    # --- cursor ---------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_to_cursor()
        if old != new:
            self.post_message(self.Highlighted(self, self.cursor_key))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._keys) - 1)) if self._keys else 0

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)  # the header takes the first line
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        self.cursor += step

    def action_page(self, step: int) -> None:
        self.cursor += step * max(1, self.size.height - 2)

    def action_edge(self, step: int) -> None:
        self.cursor = 0 if step < 0 else len(self._keys) - 1

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self._keys):
            if index == self.cursor:
                self.action_select()
            self.cursor = index

    # --- drawing ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._invalidate()
        self.virtual_size = Size(self._width(), len(self._keys) + 1)
        self._scroll_to_cursor()

    def _width(self) -> int:
        """Cells for the columns: the widget less its vertical scrollbar, when it has one."""
        return self.scrollable_content_region.width

    def _invalidate(self) -> None:
        self._strips.clear()
        self._header = None
        self._width_for = -1
        self.refresh()

    def _column_widths(self) -> list[int]:
        width = self._width()
        if width != self._width_for:
            gaps = GAP * max(0, len(self.columns) - 1) + 1  # between columns, and one space at the left
            fixed = sum(c.width for c in self.columns if c.width is not None)
            flex = [c for c in self.columns if c.width is None]
            share = max(0, width - gaps - fixed) // max(1, len(flex))
            self._widths = [c.width if c.width is not None else max(c.min_width, share) for c in self.columns]
            self._width_for = width
        return self._widths

    def _render_cells(self, cells: Sequence[Cell], style: Style) -> Strip:
        """Segments straight from the cells: plain strings and single-style Text need no Rich layout."""
        segments = [Segment(" ", style)]
        last = len(self.columns) - 1
        for i, (cell, width) in enumerate(zip(cells, self._column_widths(), strict=False)):
            if isinstance(cell, Text) and cell.spans:
                text = cell.copy()
                text.truncate(width, overflow="ellipsis", pad=True)
                segments.extend(Segment.apply_style(list(text.render(self.app.console, end="")), style))
            else:
                plain = cell.plain if isinstance(cell, Text) else str(cell)
                cell_style = (
                    style + (cell.style if isinstance(cell.style, Style) else Style.parse(cell.style))
                    if isinstance(cell, Text) and cell.style
                    else style
                )
                if cell_len(plain) > width:
                    plain = set_cell_size(plain, max(0, width - 1)) + "…"
                segments.append(Segment(set_cell_size(plain, width), cell_style))
            if i < last:
                segments.append(Segment(" " * GAP, style))
        return Strip(segments).crop_extend(0, self._width(), style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()
        self._header = None

    def render_line(self, y: int) -> Strip:
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        width = self._width()
        if width != self._width_for:  # a scrollbar came or went: the columns are laid out again
            self._strips.clear()
            self._header = None
            self._column_widths()
        if y == 0:
            if self._header is None:
                header_style = base + self.get_component_rich_style("row-table--header")
                self._header = self._render_cells([c.label for c in self.columns], header_style)
            return self._header
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._keys):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = self._render_cells(self._cells[index], base)
        if index == self.cursor:
            cursor_style = self.get_component_rich_style("row-table--cursor")
            return Strip(Segment.apply_style(strip, post_style=cursor_style), width)
        return strip

    def refresh_line(self, y: int) -> None:
        # line y of the content (0 = header); ScrollView's own refresh_line would scroll the header
        self.refresh(Region(0, y - int(self.scroll_offset.y) if y else 0, self.size.width, 1))
