"""Moving a municipality's work to a new edition without losing anything.

Unchanged measures keep their status and history; changed ones keep them and
are flagged for review; removed ones are archived (never deleted); new ones
start as not assessed (no row). Status rows keep their id, so their history
stays attached; flagged and archived ones get a history row saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import require_write
from eits_tracker.catalog.diff import EditionDiff, diff_editions
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.timeutil import utcnow
from eits_tracker.tracking import municipalities as munis


@dataclass
class MigrationResult:
    municipality: str
    from_key: str
    to_key: str
    kept: int
    flagged: int
    archived: int
    added: int
    skipped: bool = False


def migrate_municipality(
    session: Session, muni: m.Municipality, to: m.Edition, *, actor: str, diff: EditionDiff | None = None
) -> MigrationResult:
    require_write(session, muni.id, muni.name)  # type: ignore[arg-type]
    current = munis.edition_of(session, muni)
    if current.id == to.id:
        return MigrationResult(muni.name, current.key, to.key, 0, 0, 0, 0, skipped=True)
    if current.standard != to.standard:
        raise ValidationError(
            f"{muni.name} works on {current.standard}; {to.key} is {to.standard}, not an edition of it."
        )
    if (to.year or 0) < (current.year or 0):
        raise ValidationError(f"{muni.name} is on {current.key}; moving back to the older {to.key} is not supported.")
    diff = diff or diff_editions(session, current, to)
    new_ids = diff.new_ids
    changed = {c.code: c for c in diff.changed}
    removed = {c.code for c in diff.removed}

    target_ids = [t.id for t in munis.targets(session, muni)]
    rows = session.execute(
        select(m.MeasureStatus, m.Measure.code)
        .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
        .where(
            m.MeasureStatus.target_object_id.in_(target_ids),  # type: ignore[attr-defined]
            m.Measure.edition_id == current.id,
            m.MeasureStatus.archived == False,  # noqa: E712
        )
    ).all()
    now = utcnow()
    kept = flagged = archived = 0
    for row, code in rows:
        if code in removed:
            row.archived = True
            archived += 1
            note = f"measure removed in {to.standard} {to.key}: status archived"
            changes = {"archived": [False, True]}
        else:
            row.measure_id = new_ids[code]
            if code in changed:
                fields = changed[code].fields
                row.needs_review = True
                row.review_reason = f"changed in {to.key}: {', '.join(fields)}"
                flagged += 1
                note = f"moved to {to.standard} {to.key}; review needed, changed: {', '.join(fields)}"
                changes = {"edition": [current.key, to.key], "needs_review": [False, True]}
            else:
                kept += 1
                continue
        row.version += 1
        row.updated_at = now
        row.updated_by = actor
        session.add(row)
        session.add(
            m.StatusHistory(
                status_id=row.id,  # type: ignore[arg-type]
                municipality_id=muni.id,  # type: ignore[arg-type]
                target_object_id=row.target_object_id,
                measure_code=code,
                edition_key=to.key,
                changed_at=now,
                changed_by=actor,
                source="migration",
                old_status=row.status,
                new_status=row.status,
                note=note,
                changes=changes,
            )
        )
    # Statuses that stay unchanged move silently: same row, same id, same history.
    muni.edition_id = to.id
    muni.version += 1
    muni.updated_at = now
    session.add(muni)
    session.add(
        m.EditionMigration(
            municipality_id=muni.id,  # type: ignore[arg-type]
            from_edition_id=current.id,  # type: ignore[arg-type]
            to_edition_id=to.id,  # type: ignore[arg-type]
            migrated_at=now,
            migrated_by=actor,
            kept=kept,
            flagged=flagged,
            archived=archived,
            added=len(diff.added),
        )
    )
    session.flush()
    return MigrationResult(muni.name, current.key, to.key, kept, flagged, archived, len(diff.added))
