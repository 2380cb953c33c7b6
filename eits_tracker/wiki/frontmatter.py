"""A page file: YAML front matter and a Markdown body, written and read back byte for byte.

Written by hand, not by a YAML dumper, so the files look as a person would write them and stay the
same from one run to the next: scalars are quoted only where YAML would read them otherwise
(``2024``, ``yes``, ``a: b``, ``#5``), lists are flow lists. Read with ``yaml.safe_load``; every
problem names the line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import yaml
from yaml import SafeLoader

from eits_tracker.text import fold

#: The keys of a page file, in the order they are written, with Estonian aliases accepted on input.
KEYS = {
    "title": ("pealkiri",),
    "tags": ("sildid", "märksõnad"),
    "modules": ("moodulid",),
    "measures": ("meetmed",),
    "author": ("autor",),
    "municipality": ("omavalitsus", "kov"),
    "updated": ("muudetud", "updated_at"),
}
_ALIAS = {fold(a): key for key, aliases in KEYS.items() for a in (key, *aliases)}
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^,\[\]{}#\n]*")


def scalar(value: str) -> str:
    """``value`` as YAML that reads back as the same string, quoted only where needed."""
    plain = (
        _PLAIN.fullmatch(value) is not None
        and value == value.strip()
        and ": " not in value
        and not value.endswith(":")
        and _loads_as_itself(value)
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=4096)
def _loads_as_itself(value: str) -> bool:
    """Whether YAML reads the plain scalar as this string, not a number, date, bool or null: the same
    implicit resolvers ``safe_load`` applies (asked directly: parsing each value took most of an export)."""
    resolvers = SafeLoader.yaml_implicit_resolvers.get(value[:1], [])
    return not any(pattern.match(value) for _tag, pattern in resolvers)


def flow_list(values: list[str]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def timestamp(value: datetime) -> str:
    """UTC to the second, the way the front matter keeps it: 2026-05-14T09:30:00Z."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_page(fields: dict[str, Any], body: str) -> str:
    lines = ["---"]
    for key in KEYS:
        value = fields.get(key)
        if isinstance(value, list):
            lines.append(f"{key}: {flow_list(value)}")
        elif isinstance(value, datetime):
            lines.append(f"{key}: {timestamp(value)}")
        else:
            lines.append(f"{key}: {scalar(str(value or ''))}")
    lines.append("---")
    return "\n".join(lines) + "\n" + (f"\n{body}\n" if body else "")


@dataclass
class ParsedFile:
    fields: dict[str, Any]
    body: str
    body_line: int  # the file's line number of the body's first line
    lines: dict[str, int]  # key → line of the front matter


def parse_page(text: str) -> tuple[ParsedFile | None, list[str]]:
    """The fields and body of a page file, or the problems (each beginning with its line)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, ["line 1: a page file starts with a line '---', then the fields (title: …), then '---'"]
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() in ("---", "...")), None)
    if end is None:
        return None, ["the front matter is not closed: add a line '---' after the fields"]
    front = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        context = str(getattr(exc, "context", ""))
        if "quoted scalar" in context or "flow" in context:  # an unclosed quote or bracket: where it opened
            mark = getattr(exc, "context_mark", None) or mark
        where = f"line {mark.line + 2}" if mark is not None else "front matter"
        return None, [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]
    if not isinstance(data, dict):
        return None, ["line 2: the front matter must be 'key: value' lines"]
    key_lines: dict[str, int] = {}
    for n, line in enumerate(lines[1:end], start=2):
        if line and not line[0].isspace() and ":" in line:
            key_lines.setdefault(_ALIAS.get(fold(line.split(":", 1)[0].strip()), line.split(":", 1)[0]), n)
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _ALIAS.get(fold(str(raw_key)))
        if key is None:
            problems.append(
                f"line {key_lines.get(str(raw_key), 2)}: unknown field {raw_key!r}; known: {', '.join(KEYS)}"
            )
            continue
        fields[key] = value
    for key in ("tags", "modules", "measures"):
        value = fields.get(key)
        if value is None:
            fields[key] = []
        elif isinstance(value, str):
            fields[key] = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            fields[key] = [str(v) for v in value]
        else:
            problems.append(f"line {key_lines.get(key, 2)}: {key}: write a list, e.g. {key}: [a, b]")
    for key in ("title", "author", "municipality"):
        value = fields.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            problems.append(f"line {key_lines.get(key, 2)}: {key}: write one line of text")
        fields[key] = "" if value is None else str(value)
    updated = fields.get("updated")
    if isinstance(updated, str) and updated.strip():
        try:
            updated = datetime.fromisoformat(updated.strip().replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"line {key_lines.get('updated', 2)}: updated: {updated!r} is not a time; "
                            "write it as 2026-05-14T09:30:00Z")  # fmt: skip
            updated = None
    if isinstance(updated, datetime):
        fields["updated"] = updated.replace(tzinfo=UTC) if updated.tzinfo is None else updated.astimezone(UTC)
    elif updated not in (None, ""):
        problems.append(f"line {key_lines.get('updated', 2)}: updated: write a time such as 2026-05-14T09:30:00Z")
    else:
        fields["updated"] = None
    if problems:
        return None, problems
    return ParsedFile(fields, "\n".join(lines[end + 1 :]), end + 2, key_lines), []
