"""A session as a Markdown file with YAML front matter, so it can be typed in any editor.

    ---
    municipality: Kihnu vald
    mentor: kadri.tamm@tartu.ee
    held_at: 2026-11-27 10:00        # Tallinn time
    duration: 90                     # minutes
    format: video                    # on_site | video | phone (kohapeal | videokõne | telefon)
    participants: [Mari Maasikas]
    modules: [ORP.4, CON.3]
    measures: [ORP.4.M1]
    changes:                         # agreed status changes
      - ORP.4.M1: implemented
      - {measure: CON.3.M2, status: partial, note: Varundus katsetamata}
    followups:
      - {description: Kirjutada varundusplaan, measure: CON.3.M2, owner: IT-juht, due: 2026-12-31}
    close:                           # follow-ups of earlier sessions closed in this one
      - {id: 12, state: done}
      - {id: 13, state: dropped, reason: Teenus viiakse pilve}
    ---
    ## Arutatud
    The notes, in Markdown.

Keys may also be written in Estonian (omavalitsus, aeg, kestus, vorm, osalejad, moodulid, meetmed,
muudatused, järelmeetmed, suletud). Errors name the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from eits_tracker.errors import EitsError, ImportFileError
from eits_tracker.mentoring.sessions import AgreedChange, Closing, NewFollowUp, SessionInput
from eits_tracker.text import fold
from eits_tracker.timeutil import TALLINN, parse_date, parse_local_datetime

KEYS = {
    "municipality": ("omavalitsus", "mentee", "kov"),
    "mentor": (),
    "assignment": ("maaramine", "assignment_id"),
    "held_at": ("aeg", "date", "kuupaev", "when"),
    "duration": ("kestus", "minutes", "duration_minutes"),
    "format": ("vorm",),
    "participants": ("osalejad",),
    "modules": ("moodulid",),
    "measures": ("meetmed",),
    "changes": ("muudatused", "status_changes"),
    "followups": ("jarelmeetmed", "follow_ups", "follow-ups"),
    "close": ("suletud", "closings", "closed"),
}
_ALIAS = {fold(a): key for key, aliases in KEYS.items() for a in (key, *aliases)}


def _split(text: str, path: str) -> tuple[str, str, int]:
    """(front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ImportFileError(path, ["line 1: the file must start with '---' and the session's fields (front matter)"])
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise ImportFileError(path, ["the front matter is not closed: add a line '---' after the fields"])


def _lines_of_keys(front: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for n, line in enumerate(front.splitlines(), start=2):
        if line and not line[0].isspace() and ":" in line:
            out.setdefault(_ALIAS.get(fold(line.split(":", 1)[0].strip()), ""), n)
    return out


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _changes(value: Any) -> list[AgreedChange]:
    out = []
    for item in value or []:
        if isinstance(item, dict) and "measure" in item:
            out.append(AgreedChange(str(item["measure"]), str(item.get("status", "")), str(item.get("note") or "")))
        elif isinstance(item, dict) and len(item) == 1:
            ((code, status),) = item.items()
            out.append(AgreedChange(str(code), str(status)))
        elif isinstance(item, str) and ":" in item:
            code, status = item.split(":", 1)
            out.append(AgreedChange(code.strip(), status.strip()))
        else:
            raise ValueError(f"{item!r}: write a change as 'ORP.4.M1: implemented' or {{measure: …, status: …}}")
    return out


def _due(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value), field="due")


def _followups(value: Any) -> list[NewFollowUp]:
    out = []
    for item in value or []:
        if isinstance(item, str):
            item = {"description": item}
        if not isinstance(item, dict):
            raise ValueError(f"{item!r}: write a follow-up as {{description: …, owner: …, due: YYYY-MM-DD}}")
        out.append(
            NewFollowUp(
                description=str(item.get("description") or item.get("kirjeldus") or ""),
                due=_due(item.get("due", item.get("tähtaeg"))),
                measure=str(item["measure"]) if item.get("measure") else None,
                owner=str(item.get("owner") or item.get("vastutaja") or ""),
            )
        )
    return out


def _closings(value: Any) -> list[Closing]:
    out = []
    for item in value or []:
        if isinstance(item, int):
            item = {"id": item}
        if not isinstance(item, dict) or "id" not in item:
            raise ValueError(
                f"{item!r}: write a closing as {{id: 12, state: done}} or {{id: 13, state: dropped, reason: …}}"
            )
        out.append(
            Closing(int(str(item["id"]).lstrip("#")), str(item.get("state") or "done"), str(item.get("reason") or ""))
        )
    return out


def parse_session_text(text: str, *, path: str = "<session>") -> SessionInput:
    """The session in a Markdown file; every problem is reported with its line, nothing is guessed."""
    front, body, _body_line = _split(text.removeprefix("\ufeff"), path)
    try:
        data = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if "quoted scalar" in str(getattr(exc, "context", "")):  # an unclosed quote: where it opened
            mark = getattr(exc, "context_mark", None) or mark
        where = f"line {mark.line + 2}" if mark is not None else "front matter"
        raise ImportFileError(path, [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(data, dict):
        raise ImportFileError(path, ["line 2: the front matter must be 'key: value' lines"])
    lines = _lines_of_keys(front)
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _ALIAS.get(fold(str(raw_key)))
        if key is None:
            line = next((n for n, t in enumerate(front.splitlines(), 2) if t.startswith(f"{raw_key}:")), 2)
            problems.append(f"line {line}: unknown field {raw_key!r}; known: {', '.join(KEYS)}")
            continue
        fields[key] = value

    def at(key: str) -> str:
        return f"line {lines.get(key, 2)}"

    def convert(key: str, fn: Any) -> Any:
        try:
            return fn(fields.get(key))
        except (EitsError, ValueError, TypeError) as exc:
            problems.append(f"{at(key)}: {key}: {getattr(exc, 'message', exc)}")
            return None

    held_at = convert("held_at", lambda v: parse_local_datetime(v, field="held_at") if v not in (None, "") else None)
    duration = convert("duration", lambda v: None if v in (None, "") else int(str(v).split()[0]))
    assignment = convert("assignment", lambda v: None if v in (None, "") else int(str(v).lstrip("#")))
    result = SessionInput(
        municipality=str(fields.get("municipality") or ""),
        mentor=str(fields["mentor"]) if fields.get("mentor") else None,
        assignment_id=assignment,
        held_at=held_at,
        duration_minutes=duration,
        format=str(fields.get("format") or ""),
        participants=_list(fields.get("participants")),
        modules=_list(fields.get("modules")),
        measures=_list(fields.get("measures")),
        notes=body.strip(),
        changes=convert("changes", _changes) or [],
        followups=convert("followups", _followups) or [],
        closings=convert("close", _closings) or [],
        lines=lines,
    )
    if not result.municipality:
        problems.append("line 2: municipality: which municipality was mentored? (municipality: Kihnu vald)")
    if problems:
        raise ImportFileError(path, problems)
    return result


def read_session_file(path: Path) -> SessionInput:
    try:
        text = path.read_text(encoding="utf-8-sig")  # editors on Windows write a byte-order mark
    except FileNotFoundError:
        raise ImportFileError(str(path), ["the file does not exist"]) from None
    except UnicodeDecodeError:
        raise ImportFileError(str(path), ["not UTF-8 text; save it as UTF-8"]) from None
    return parse_session_text(text, path=str(path))


def _scalar(value: str) -> str:
    """A YAML value as written by hand, quoted only where YAML would misread it (``#5``, ``a: b``)."""
    plain = value and value[0] not in "#&*!|>'\"%@`{[,-?:" and ": " not in value and " #" not in value
    return value if plain else json.dumps(value, ensure_ascii=False)


def session_template(*, municipality: str, mentor: str, held_at: datetime, open_followups: Iterable[Any] = ()) -> str:
    """A file to fill in after a session: the fields, and the municipality's open follow-ups to close."""
    local = held_at.astimezone(TALLINN)
    due = (local + timedelta(days=30)).date()
    lines = [
        "---",
        f"municipality: {_scalar(municipality)}",
        f"mentor: {_scalar(mentor)}",
        f"held_at: {local:%Y-%m-%d %H:%M}",
        "duration: 60",
        "format: video",
        "participants: []",
        "modules: []",
        "measures: []",
        "changes: []          # - ORP.4.M1: implemented",
        f"followups: []        # - {{description: …, measure: ORP.4.M1, owner: …, due: {due}}}",
    ]
    carried = list(open_followups)
    if carried:
        lines.append("close:               # open follow-ups: keep the ones done or dropped, delete the others")
        for f in carried:
            lines.append(f"  # - {{id: {f.id}, state: done}}   # {f.description} (due {f.due_date})")
    else:
        lines.append("close: []")
    lines += ["---", "## Arutatud", "", "- ", ""]
    return "\n".join(lines)
