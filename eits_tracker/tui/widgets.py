"""Small widgets shared by the screens."""

from __future__ import annotations

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
