"""The text of a wiki page: slugs, ``[[links]]``, what a body may hold, and the two forms of a body.

A page body is Markdown. Inside the app it links with double brackets:

- ``[[ORP.4.M1]]`` a measure, ``[[ORP.4]]`` a module (codes of the newest catalogue edition);
- ``[[varukoopiate-kord]]`` another page, by its slug;
- ``[[ORP.4.M1|paroolipoliitika]]`` the same with the text shown.

In an exported file (``pages/<slug>.md``) the same links are ordinary relative Markdown links
that any viewer follows — ``[ORP.4.M1](../modules/ORP.4.md "ORP.4.M1")``, ``[Title](slug.md)`` —
and :func:`from_file_form` turns exactly those back into double brackets, so export → import →
export gives the same bytes.

A body may not hold raw HTML (a ``<script>`` has no place in a page that is published as a web
site and read in any viewer) nor links other than ``http(s)``, ``mailto`` and ``#anchors``:
relative paths (``../../etc``) would point out of the export, and ``[[ ]]`` does that job.
Text inside code spans and fenced code blocks is left alone: it is shown, not interpreted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SLUG_MAX = 80
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE = re.compile(r"[A-Z]{2,5}(?:\.[A-Z0-9]{1,6})+")
_MEASURE_PART = re.compile(r"M\d+")
_LINK = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")
# A Markdown inline link or image: [text](target "title"); the target has no spaces or brackets.
_MD_LINK = re.compile(r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*(<[^>\n]*>|[^)\s]*)(?:\s+\"([^\"\n]*)\")?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(\S+)", re.MULTILINE)
# Raw HTML: an opening or closing tag, a comment, a processing instruction or a declaration.
# Autolinks (<https://…>, <name@host>) are Markdown, not HTML, and do not match.
_HTML = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|!--|![A-Za-z]|\?)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_TRANSLIT = str.maketrans({"õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z", "Õ": "o", "Ä": "a", "Ö": "o",
                           "Ü": "u", "Š": "s", "Ž": "z", "ß": "ss", "æ": "ae", "ø": "o", "å": "a"})  # fmt: skip


# --- slugs ---------------------------------------------------------------------------------------


def is_slug(value: str) -> bool:
    return len(value) <= SLUG_MAX and SLUG.fullmatch(value) is not None


def slugify(title: str) -> str:
    """'Varukoopiate kord väikesele vallale' → 'varukoopiate-kord-vaikesele-vallale' (at most SLUG_MAX)."""
    ascii_text = unicodedata.normalize("NFKD", title.translate(_TRANSLIT))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug.rfind("-", 0, SLUG_MAX + 1)
        slug = slug[: cut if cut > 0 else SLUG_MAX].strip("-")
    return slug or "lehekulg"


def slug_problem(value: str) -> str | None:
    """Why ``value`` is not a slug, in words; None when it is one."""
    if not value:
        return "the slug is empty"
    if len(value) > SLUG_MAX:
        return f"the slug {value!r} is longer than {SLUG_MAX} characters"
    if not SLUG.fullmatch(value):
        return (
            f"{value!r} is not a slug: use lowercase letters a–z, digits and single hyphens (e.g. {slugify(value)!r})"
        )
    return None


# --- where Markdown is text and where it is code ----------------------------------------------


def segments(body: str) -> Iterator[tuple[bool, str]]:
    """The body as (is_code, text) pieces in order: fenced blocks and code spans are code."""
    lines = body.split("\n")
    text: list[str] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            text.append(lines[i])
            i += 1
            continue
        marker = fence.group(1)
        end = i + 1
        while end < len(lines) and not re.match(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$", lines[end]):
            end += 1
        if text:
            yield from _spans("\n".join(text) + "\n")
            text = []
        block = lines[i : end + 1]
        yield True, "\n".join(block) + ("\n" if end + 1 < len(lines) else "")
        i = end + 1
    if text:
        yield from _spans("\n".join(text))


def _spans(text: str) -> Iterator[tuple[bool, str]]:
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        if match.start() > pos:
            yield False, text[pos : match.start()]
        yield True, match.group(0)
        pos = match.end()
    if pos < len(text):
        yield False, text[pos:]


def _map_text(body: str, fn: Callable[[str], str]) -> str:
    return "".join(piece if code else fn(piece) for code, piece in segments(body))


def _line_of(body: str, offset: int) -> int:
    return body.count("\n", 0, offset) + 1


def _text_positions(body: str) -> Iterator[tuple[int, str]]:
    """(offset in body, text) of every non-code piece."""
    offset = 0
    for code, piece in segments(body):
        if not code:
            yield offset, piece
        offset += len(piece)


# --- links -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    kind: str  # "measure", "module", "page", or "bad" for a target that is neither a code nor a slug
    target: str  # code (upper case) or slug
    label: str  # the text after '|', or ""
    line: int


def classify(target: str) -> tuple[str, str]:
    """('page', slug) / ('measure'|'module', CODE) / ('bad', target) for the inside of [[…]]."""
    target = target.strip()
    if is_slug(target):
        return "page", target
    code = target.upper()
    if CODE.fullmatch(code):
        return ("measure" if _MEASURE_PART.fullmatch(code.rsplit(".", 1)[1]) else "module"), code
    return "bad", target


def links(body: str) -> list[Link]:
    """Every [[link]] outside code, in order."""
    found = []
    for offset, piece in _text_positions(body):
        for match in _LINK.finditer(piece):
            kind, target = classify(match.group(1))
            found.append(Link(kind, target, (match.group(2) or "").strip(), _line_of(body, offset + match.start())))
    return found


def body_problems(body: str) -> list[tuple[int, str]]:
    """(line, problem) for raw HTML, unsafe or relative links and malformed [[links]] in a body."""
    problems: list[tuple[int, str]] = []
    for offset, piece in _text_positions(body):
        html_lines: set[int] = set()
        for match in _HTML.finditer(piece):
            line = _line_of(body, offset + match.start())
            if line in html_lines:
                continue  # one message per line: <b>…</b> is one problem
            html_lines.add(line)
            snippet = piece[match.start() : match.start() + 20].split("\n")[0]
            problems.append(
                (
                    line,
                    f"raw HTML ({snippet!r}…) is not allowed in a page: write it in Markdown, or put it in "
                    "`backticks` to show it as text",
                )
            )
        for match in _MD_LINK.finditer(piece):
            problem = _target_problem(match.group(3).strip("<>"))
            if problem:
                problems.append((_line_of(body, offset + match.start()), problem))
        for match in _REF_DEF.finditer(piece):
            problem = _target_problem(match.group(1).strip("<>"))
            if problem:
                problems.append((_line_of(body, offset + match.start()), problem))
        for match in _LINK.finditer(piece):
            kind, target = classify(match.group(1))
            if kind == "bad":
                problems.append(
                    (
                        _line_of(body, offset + match.start()),
                        f"[[{target}]] is neither a catalogue code (ORP.4, ORP.4.M1) nor a page slug "
                        "(lowercase letters, digits, hyphens)",
                    )
                )
    return sorted(problems)


def _target_problem(target: str) -> str | None:
    if not target or target.startswith("#") or target.lower().startswith(_SAFE_SCHEMES):
        return None
    if ":" in target.split("/", 1)[0]:
        return f"the link {target!r} uses a scheme that is not allowed: only http, https and mailto"
    return (
        f"the relative link {target!r} is not allowed: link pages and the catalogue with [[slug]] or [[ORP.4.M1]], "
        "the web with https://…"
    )


# --- the two forms of a body -----------------------------------------------------------------------


def module_of(code: str, measure_modules: dict[str, str]) -> str:
    """The module of a measure code (from the catalogue; by its code where the catalogue does not know it)."""
    return measure_modules.get(code) or code.rsplit(".", 1)[0]


def to_file_form(body: str, *, titles: dict[str, str], measure_modules: dict[str, str], prefix: str = "") -> str:
    """[[links]] as relative Markdown links. ``titles``: slug → title of the pages that exist;
    ``prefix`` is the way from the file to the export's root ('../' from pages/)."""

    def link(match: re.Match[str]) -> str:
        kind, target = classify(match.group(1))
        label = (match.group(2) or "").strip()
        if kind == "page":
            return f"[{label or titles.get(target, target)}]({target}.md)"
        if kind == "module":
            return f'[{label or target}]({prefix}modules/{target}.md "{target}")'
        if kind == "measure":
            return f'[{label or target}]({prefix}modules/{module_of(target, measure_modules)}.md "{target}")'
        return match.group(0)

    return _map_text(body, lambda piece: _LINK.sub(link, piece))


def from_file_form(body: str, *, titles: dict[str, str]) -> str:
    """The reverse of :func:`to_file_form` for the links it writes; other links stay as they are."""

    def back(match: re.Match[str]) -> str:
        image, label, target, title = match.group(1), match.group(2), match.group(3).strip("<>"), match.group(4)
        if image:
            return match.group(0)
        module_file = re.fullmatch(r"\.\./modules/([A-Z0-9.]+)\.md", target)
        if module_file and title and CODE.fullmatch(title):
            return f"[[{title}]]" if label == title else f"[[{title}|{label}]]"
        page_file = re.fullmatch(r"([a-z0-9-]+)\.md", target)
        if page_file and is_slug(page_file.group(1)) and title is None:
            slug = page_file.group(1)
            return f"[[{slug}]]" if label == titles.get(slug, slug) else f"[[{slug}|{label}]]"
        return match.group(0)

    return _map_text(body, lambda piece: _MD_LINK.sub(back, piece))


def normalise_body(body: str) -> str:
    """Line ends as \\n, no blank lines at the start, no trailing white space at the end."""
    return body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip()
