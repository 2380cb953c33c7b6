"""Helpers shared by the importers: reading files, checking shapes, cleaning text, validating.

Every failure becomes a :class:`CatalogError` whose message names the file and the place
(line/column, record, field), so no importer lets a KeyError, TypeError or YAML error escape.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from eits_tracker.catalog.model import CatalogEdition, layer_kind
from eits_tracker.catalog.native import format_pydantic
from eits_tracker.errors import CatalogError

#: E-ITS layer titles, used when a source carries no layer tree of its own.
EITS_LAYER_TITLES: dict[str, str] = {
    "ISMS": "Turbehaldus",
    "ORP": "Organisatsioon ja personal",
    "CON": "Kontseptsioonid ja metoodikad",
    "OPS": "Käidutööd",
    "DER": "Avastamine ja reageerimine",
    "INF": "Taristu",
    "NET": "Võrgud ja side",
    "SYS": "IT-süsteemid",
    "APP": "Rakendused",
    "IND": "Tööstuse IT",
}

RIA_ATTRIBUTION = (
    "E-ITS (Eesti infoturbestandard) © Riigi Infosüsteemi Amet (RIA), https://eits.ria.ee. "
    "The catalogue text is RIA's; eits-tracker only restructures it."
)


def source_name(path: Path) -> str:
    """How a file is named in messages: its name, or the path when it has none."""
    return path.name or str(path)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found.") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a directory, expected a file.") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text at byte {exc.start}.") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot be read ({exc.strerror}).") from None


def parse_json(text: str, *, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"{source}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}). "
            "The file may be truncated: download or export it again."
        ) from None
    except RecursionError:
        raise CatalogError(f"{source}: JSON nested too deeply to read.") from None


def load_json(path: Path) -> Any:
    return parse_json(read_text(path), source=source_name(path))


def parse_yaml(text: str, *, source: str) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CatalogError(f"{source}: {where}not valid YAML ({exc.problem or exc.context}).") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise CatalogError(f"{source}: not valid YAML ({exc}).") from None


def load_yaml(path: Path) -> Any:
    return parse_yaml(read_text(path), source=source_name(path))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expect(value: Any, kind: type | tuple[type, ...], *, source: str, where: str, hint: str = "") -> Any:
    """Return ``value`` if it has the expected JSON type, else raise naming the place."""
    kinds = _tuple(kind)
    if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
        return value
    names = "/".join(_JSON_NAMES.get(k, k.__name__) for k in kinds)
    got = _JSON_NAMES.get(type(value), type(value).__name__)
    raise CatalogError(f"{source}: {where}: expected {names}, found {got}.{' ' + hint if hint else ''}")


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_JSON_NAMES: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def field(record: dict[str, Any], key: str, *, source: str, where: str, required: bool = True) -> str:
    """A text field of a record: missing or null is "" unless ``required``; other types are errors."""
    value = record.get(key)
    if value is None:
        if required:
            raise CatalogError(f"{source}: {where}: field {key!r} is missing.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CatalogError(f"{source}: {where}: field {key!r} should be text, found {type(value).__name__}.")
    return str(value)


def validate_edition(data: dict[str, Any], *, source: str) -> CatalogEdition:
    """Build the edition; pydantic's complaints become one CatalogError naming the file and field paths."""
    try:
        return CatalogEdition.model_validate(data)
    except PydanticValidationError as exc:
        raise CatalogError(f"{source}: {format_pydantic(exc)}") from None


def eits_layers_from_codes(module_codes: list[str]) -> list[dict[str, Any]]:
    """The E-ITS layers that the given module codes fall in, in the standard's order."""
    used = {code.split(".")[0] for code in module_codes}
    return [
        {"code": code, "title": title, "kind": layer_kind(code), "parent": None}
        for code, title in EITS_LAYER_TITLES.items()
        if code in used
    ] + [
        {"code": code, "title": code, "kind": layer_kind(code), "parent": None}
        for code in sorted(used - set(EITS_LAYER_TITLES))
    ]


def strip_code_prefix(title: str, code: str) -> str:
    """'ISMS.1: Turbehaldus' -> 'Turbehaldus' (also 'ISMS. Turbehaldus', 'ISMS.1 Turbehaldus')."""
    title = " ".join(title.split())
    for sep in (":", ".", " "):
        prefix = code.rstrip(".") + sep
        if title.startswith(prefix):
            return title[len(prefix) :].strip() or title
    return title


# --- text -------------------------------------------------------------------------------

_BLOCK_TAGS = r"p|div|ul|ol|table|tr|blockquote|h[1-6]|pre|thead|tbody"
_INLINE_TAGS = r"span|a|u|sup|sub|code|font|small|td|th|hr|img|abbr"
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"<br\s*/?>", re.I), "\n"),
    (re.compile(r"<li\b[^<>]*>", re.I), "\n* "),
    (re.compile(r"</li\s*>", re.I), "\n"),
    (re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.I), "\n\n"),
    (re.compile(r"</?(?:b|strong)\b[^<>]*>", re.I), "**"),
    (re.compile(r"</?(?:i|em)\b[^<>]*>", re.I), "*"),
    (re.compile(rf"</?(?:{_INLINE_TAGS})\b[^<>]*>", re.I), ""),
]
_MARKER = re.compile(r"^(?:[*\-•] |[a-z]\. |[0-9]+\. )")


def clean_text(text: str | None) -> str:
    """Plain, Markdown-ish text: tags become paragraphs, '* ' items and emphasis; entities are unescaped.

    Tabs and runs of spaces become one space, lines are trimmed, paragraphs are separated by one
    blank line. A block of unmarked lines after a line ending in ':' becomes a '* ' list (that is
    how the 2023 API lost its bullets); adjacent '* ' items form one list. Applying it twice
    changes nothing.
    """
    if not text:
        return ""
    out = text
    for _ in range(50):  # each pass only shortens markup; stop at the fixed point
        step = _pass(out)
        if step == out:
            break
        out = step
    return out


def _pass(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    paragraphs = [p for p in paragraphs if p]
    for i in range(1, len(paragraphs)):
        if paragraphs[i - 1][-1].endswith(":") and not any(_MARKER.match(line) for line in paragraphs[i]):
            paragraphs[i] = ["* " + line for line in paragraphs[i]]
    merged: list[list[str]] = []
    for p in paragraphs:  # HTML items (<li>) arrive as separate paragraphs: make one tight list
        if merged and _all_items(merged[-1]) and _all_items(p):
            merged[-1].extend(p)
        else:
            merged.append(p)
    return "\n\n".join("\n".join(p) for p in merged)


def _all_items(paragraph: list[str]) -> bool:
    return all(line.startswith("* ") for line in paragraph)
