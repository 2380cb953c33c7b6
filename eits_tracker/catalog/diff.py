"""The difference between two editions, measure by measure (by code).

Texts are compared on their words, not their formatting: the 2023 and 2024
sources lay out lists and whitespace differently, and a changed tab is not a
changed requirement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m

COMPARED = ("title", "level", "text", "responsible")
_WORD = re.compile(r"\w+", re.UNICODE)
# E-ITS 2024 titles end in the protection goals, "(C-I-A)"; 2023 titles do not. The goals are
# compared as the C/I/A flags of the measure, so the suffix alone is not a changed title.
_CIA_SUFFIX = re.compile(r"\s*\((?:[CIA](?:\s*-\s*[CIA])*)\)\s*$")


def words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text or ""))


def title_words(title: str) -> tuple[str, ...]:
    return words(_CIA_SUFFIX.sub("", title or ""))


@dataclass
class Change:
    code: str
    kind: str  # added | removed | changed
    fields: list[str] = field(default_factory=list)
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)


@dataclass
class EditionDiff:
    old_key: str
    new_key: str
    added: list[Change]
    removed: list[Change]
    changed: list[Change]
    unchanged: int
    #: Measure code → id in the newer edition, for every measure it has (what a migration points statuses at).
    new_ids: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def short(c: Change) -> dict[str, Any]:
            d: dict[str, Any] = {"code": c.code}
            if c.kind == "changed":
                d["fields"] = c.fields
                d["old"] = {f: c.old[f] for f in c.fields if f != "text"}
                d["new"] = {f: c.new[f] for f in c.fields if f != "text"}
            else:
                src = c.new or c.old
                d.update({"title": src.get("title"), "level": src.get("level")})
            return d

        return {
            "from": self.old_key,
            "to": self.new_key,
            "counts": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "unchanged": self.unchanged,
            },
            "added": [short(c) for c in self.added],
            "removed": [short(c) for c in self.removed],
            "changed": [short(c) for c in self.changed],
        }


def _records(session: Session, edition_id: int) -> dict[str, dict[str, Any]]:
    rows = session.execute(
        select(m.Measure.code, m.Measure.title, m.Measure.level, m.Measure.text, m.Measure.responsible, m.Measure.id)
        .where(m.Measure.edition_id == edition_id)
        .order_by(m.Measure.id)
    ).all()
    return {
        r.code: {"title": r.title, "level": r.level, "text": r.text, "responsible": r.responsible, "id": r.id}
        for r in rows
    }


def diff_records(
    old_key: str, old: dict[str, dict[str, Any]], new_key: str, new: dict[str, dict[str, Any]]
) -> EditionDiff:
    added = [Change(c, "added", new=new[c]) for c in new if c not in old]
    removed = [Change(c, "removed", old=old[c]) for c in old if c not in new]
    changed, unchanged = [], 0
    for code in old:
        if code not in new:
            continue
        a, b = old[code], new[code]
        diffs = [f for f in COMPARED if _differs(f, a[f], b[f])]
        if diffs:
            changed.append(Change(code, "changed", diffs, a, b))
        else:
            unchanged += 1
    new_ids = {code: rec["id"] for code, rec in new.items() if "id" in rec}
    return EditionDiff(old_key, new_key, added, removed, changed, unchanged, new_ids)


def _differs(name: str, old: Any, new: Any) -> bool:
    if name == "title":
        return title_words(old) != title_words(new)
    if name in ("text", "responsible"):
        return words(old) != words(new)
    return bool(old != new)


def diff_editions(session: Session, old: m.Edition, new: m.Edition) -> EditionDiff:
    return diff_records(old.key, _records(session, old.id), new.key, _records(session, new.id))  # type: ignore[arg-type]
