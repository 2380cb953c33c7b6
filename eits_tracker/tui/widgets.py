"""Small widgets shared by the screens."""

from __future__ import annotations

from typing import Any

from rich.markdown import Markdown as RichMarkdown
from textual.widgets import Static


class MarkdownText(Static):
    """Markdown drawn as one widget (Rich), not Textual's widget-per-block Markdown.

    A measure text is shown on every cursor move; one widget keeps that to a few
    milliseconds where the block widgets cost tens.
    """

    DEFAULT_CSS = """
    MarkdownText {
        padding: 0 1;
    }
    """

    def __init__(self, source: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""
        if source:
            self.show(source)

    def show(self, source: str) -> None:
        self.source = source
        self.update(RichMarkdown(source, hyperlinks=False))


class KeyBar(Static):
    """The footer: the keys that matter on this screen, drawn as one line of text.

    Textual's Footer builds a widget per key and restyles each whenever focus moves (about
    0.1 s per screen change here); this draws the same information as one Text. A click on
    a key runs its action, as in the Footer.
    """

    COMPONENT_CLASSES = {"key-bar--key"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        & > .key-bar--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__("")
        self._spans: list[tuple[int, int, str, Any]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self.call_after_refresh(self.refresh_keys)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen: Any) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh_keys()

    def refresh_keys(self) -> None:
        from rich.text import Text

        key_style = self.get_component_rich_style("key-bar--key")
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        palette = None
        seen: set[str] = set()
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action == "command_palette":
                palette = (node, binding)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            start = len(text)
            text.append(f" {self.app.get_key_display(binding)} ", style=key_style if enabled else "dim")
            text.append(f"{binding.description} ", style="" if enabled else "dim")
            self._spans.append((start, len(text), binding.action, node))
        if palette is not None:
            node, binding = palette
            label = f" {self.app.get_key_display(binding)} {binding.description} "
            gap = max(1, self.size.width - len(text) - len(label))
            text.append(" " * gap)
            start = len(text)
            text.append(label, style=key_style)
            self._spans.append((start, len(text), binding.action, node))
        self.update(text)

    def on_resize(self) -> None:
        self.refresh_keys()

    async def on_click(self, event: Any) -> None:
        for start, end, action, node in self._spans:
            if start <= event.x < end:
                await node.run_action(action)
                return
