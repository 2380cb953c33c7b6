"""A measure's plan fields (owner, due date, how implemented, ...) as they were at a past moment.

Every change ``set_status`` makes is in its history row's ``changes`` as ``{field: [old, new]}``. So
the values at T are today's values with the changes made after T undone, newest first: a report of
a past quarter shows the owner and due date of then, not of today. Status rows created after T did
not exist then and are left out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.tracking.maturity_load import _cols

PLAN_FIELDS = (
    "owner",
    "due_date",
    "implementation",
    "remaining",
    "priority",
    "cost_eur",
    "next_review",
    "justification",
    "approved_by",
    "approval_date",
    "decision_ref",
    "review_date",
    "needs_review",
    "review_reason",
    "note",
)
_DATES = {"due_date", "next_review", "approval_date", "review_date"}
_CHUNK = 500


def _value(name: str, raw: Any) -> Any:
    """A value as stored in ``changes`` (JSON) back to the column's type."""
    if name in _DATES and isinstance(raw, str):
        return date.fromisoformat(raw[:10]) if raw else None
    if name == "cost_eur" and raw is not None:
        return float(raw)
    if name == "needs_review":
        return bool(raw)
    return "" if raw is None and name not in _DATES and name != "cost_eur" else raw


#: What the Markdown report shows of a measure (gaps, exclusions, review flags): cheaper to read.
SUMMARY_FIELDS = ("owner", "due_date", "justification", "decision_ref", "needs_review", "review_reason")


def plan_fields_as_of(
    session: Session,
    municipality_ids: list[int],
    at: datetime,
    names: tuple[str, ...] = PLAN_FIELDS,
    *,
    summary: bool = False,
) -> dict[tuple[int, str], dict[str, Any]]:
    """(target object id, measure code) -> the plan fields (``names``) at ``at``, for the given municipalities.

    ``summary``: only the rows the Markdown report can show — basic measures not implemented (its gap
    list), rows not applicable, risk accepted or flagged for review, each as they are now, and every
    row changed after ``at`` (a row in one of those states at ``at`` is in it now unless it changed
    since). Other rows are left out: a fifth of the reading on the demo.
    """
    ms, me, to, h = (_cols(t) for t in (m.MeasureStatus, m.Measure, m.TargetObject, m.StatusHistory))
    conn = session.connection()
    by_status: dict[int, dict[str, Any]] = {}
    key_of: dict[int, tuple[int, str]] = {}
    archived_of: dict[int, bool] = {}
    for start in range(0, len(municipality_ids), _CHUNK):
        chunk = municipality_ids[start : start + _CHUNK]
        rows = (
            select(ms.id, ms.target_object_id, me.code, ms.archived, *(ms[name] for name in names))
            .join(m.Measure, me.id == ms.measure_id)
            .join(m.TargetObject, to.id == ms.target_object_id)
            .where(to.municipality_id.in_(chunk))
        )
        if summary:
            changed = select(h.status_id).where(h.municipality_id.in_(chunk), h.changed_at > at)
            rows = rows.where(
                or_(
                    and_(me.level == "basic", ms.status.in_(("not_assessed", "not_implemented", "partial"))),
                    ms.status.in_(("not_applicable", "risk_accepted")),
                    ms.needs_review.is_(True),
                    ms.id.in_(changed),
                )
            )
        for sid, tid, code, archived, *values in conn.execute(rows):
            by_status[sid] = dict(zip(names, values, strict=True))
            key_of[sid] = (tid, code)
            archived_of[sid] = archived
        later = (
            select(h.status_id, h.old_status, h.changes)
            .where(h.municipality_id.in_(chunk), h.changed_at > at)
            .order_by(h.changed_at.desc(), h.id.desc())
        )
        for sid, old_status, changes in conn.execute(later):
            fields = by_status.get(sid)
            if fields is None:
                continue
            if old_status is None:  # created after ``at``: did not exist then
                fields["_absent"] = True
                continue
            for name, pair in (changes or {}).items():
                if name in fields and isinstance(pair, list) and len(pair) == 2:
                    fields[name] = _value(name, pair[0])
    out: dict[tuple[int, str], dict[str, Any]] = {}
    # A live row wins over an archived one of the same code (archived by an edition move).
    for sid in sorted(by_status, key=lambda s: (not archived_of[s], s)):
        fields = by_status[sid]
        if not fields.pop("_absent", False):
            out[key_of[sid]] = fields
    return out
