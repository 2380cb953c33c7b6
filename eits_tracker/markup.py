"""Markdown → safe HTML, for the report site and the wiki export.

Everything shown as HTML passes through :func:`markdown_to_html`: Python-Markdown renders it, then
nh3 (ammonia) keeps only the tags and attributes Markdown itself produces. Notes and wiki pages are
written by users; a ``<script>``, an ``onerror=`` or a ``javascript:`` link in them must never reach
a browser, whatever the template around them does.

The output is deterministic: the same text gives the same bytes (no generated ids, no dates).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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
    "td": {"align"},
    "th": {"align"},
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
    )


def html_link(href: str) -> str:
    """A relative link to a ``.md`` file as the link to its ``.html`` twin; others unchanged."""
    match = _MD_LINK.match(href)
    return f"{match[1]}.html{match[2] or ''}" if match else href


class _LinksToHtml(Treeprocessor):
    def run(self, root: Element) -> None:
        for anchor in root.iter("a"):
            href = anchor.get("href")
            if href:
                anchor.set("href", html_link(href))


class _LinksToHtmlExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API
        md.treeprocessors.register(_LinksToHtml(md), "eits_links_to_html", 5)


def markdown_to_html(text: str, *, md_links_to_html: bool = False) -> str:
    """Render Markdown and sanitise the result. ``md_links_to_html``: ``x.md`` links become ``x.html``."""
    extensions: list[str | Extension] = ["tables", "fenced_code", "sane_lists"]
    if md_links_to_html:
        extensions.append(_LinksToHtmlExtension())
    renderer = markdown.Markdown(
        extensions=extensions,
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    return sanitize(renderer.convert(text))
