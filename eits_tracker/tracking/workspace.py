"""What the municipality workspace shows and does: one place for the app (and scripts) to call.

A municipality's work is read in one go (tree, measure rows, module progress) so the
screen opens with a handful of queries; a status is written on every target object the
measure applies to, each with the version the user saw, so a change made meanwhile by
someone else is refused (:class:`~eits_tracker.tracking.statuses.ConflictError`), never
overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import require_read
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import MeasureRow, find_measure, set_status, status_overview


@dataclass
class ModuleInfo:
    code: str
    title: str
    layer_code: str
    kind: str


@dataclass
class Workspace:
    municipality_id: int
    name: str
    ehak_code: str
    approach: str
    edition_key: str
    edition_id: int
    layers: list[tuple[str, str]]
    modules: list[ModuleInfo]
    rows: list[MeasureRow]
    progress: dict[str, Any]
    maturity: Any


@dataclass
class MeasureDetail:
    code: str
    title: str
    level: str
    module_code: str
    module_title: str
    text: str
    responsible: str
    co_assignees: list[str]
    lifecycle: str
    cia: str
    threats: list[tuple[str, str]]
    targets: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)


def open_workspace(session: Session, municipality_id: int) -> Workspace:
    from eits_tracker.tracking.maturity import maturity_of, module_progress

    muni = session.get(m.Municipality, municipality_id)
    if muni is None:
        raise ValidationError(f"municipality #{municipality_id} no longer exists.")
    require_read(session, municipality_id, muni.name)
    edition = munis.edition_of(session, muni)
    applicable = munis.applicable_modules(session, muni)
    modules = [
        ModuleInfo(code, title, layer, kind)
        for code, title, layer, kind in session.execute(
            select(m.Module.code, m.Module.title, m.Module.layer_code, m.Module.kind)
            .where(m.Module.edition_id == edition.id)
            .order_by(m.Module.id)
        ).all()
        if code in applicable
    ]
    layers = [
        (code, title)
        for code, title in session.execute(
            select(m.Layer.code, m.Layer.title)
            .where(m.Layer.edition_id == edition.id, m.Layer.parent_code.is_(None))  # type: ignore[union-attr]
            .order_by(m.Layer.id)
        ).all()
    ]
    return Workspace(
        municipality_id=municipality_id,
        name=muni.name,
        ehak_code=muni.ehak_code,
        approach=muni.approach,
        edition_key=edition.key,
        edition_id=edition.id,  # type: ignore[arg-type]
        layers=layers,
        modules=modules,
        rows=status_overview(session, muni),
        progress=module_progress(session, muni),
        maturity=maturity_of(session, muni),
    )


def measure_detail(session: Session, municipality_id: int, code: str, *, history_limit: int = 30) -> MeasureDetail:
    muni = _muni(session, municipality_id)
    require_read(session, municipality_id, muni.name)
    edition = munis.edition_of(session, muni)
    measure = find_measure(session, edition, code)
    module = session.get(m.Module, measure.module_id)
    assert module is not None
    threat_titles = dict(
        session.execute(
            select(m.Threat.code, m.Threat.title).where(
                m.Threat.edition_id == edition.id,
                m.Threat.code.in_(list(measure.threats or [])),  # type: ignore[attr-defined]
            )
        ).all()
    )
    targets = []
    for t in munis.targets_for_module(session, muni, measure.module_code, module.kind):
        row = session.scalars(
            select(m.MeasureStatus).where(
                m.MeasureStatus.target_object_id == t.id, m.MeasureStatus.measure_id == measure.id
            )
        ).first()
        targets.append(
            {
                "target": t.name,
                "status": row.status if row else "not_assessed",
                "version": row.version if row else 0,
                "owner": row.owner if row else "",
                "due_date": row.due_date if row else None,
                "note": row.note if row else "",
                "justification": row.justification if row else "",
                "needs_review": bool(row and row.needs_review),
                "review_reason": row.review_reason if row else "",
                "updated_by": row.updated_by if row else "",
                "updated_at": row.updated_at if row else None,
            }
        )
    hist = session.scalars(
        select(m.StatusHistory)
        .where(m.StatusHistory.municipality_id == muni.id, m.StatusHistory.measure_code == measure.code)
        .order_by(m.StatusHistory.changed_at.desc(), m.StatusHistory.id.desc())  # type: ignore[attr-defined]
        .limit(history_limit)
    ).all()
    cia = "".join(
        letter
        for letter, on in zip("CIA", (measure.confidentiality, measure.integrity, measure.availability), strict=True)
        if on
    )
    return MeasureDetail(
        code=measure.code,
        title=measure.title,
        level=measure.level,
        module_code=module.code,
        module_title=module.title,
        text=measure.text,
        responsible=measure.responsible,
        co_assignees=list(measure.co_assignees or []),
        lifecycle=measure.lifecycle or "",
        cia=cia,
        threats=[(c, threat_titles.get(c, "")) for c in measure.threats or []],
        targets=targets,
        history=[
            {
                "changed_at": h.changed_at,
                "changed_by": h.changed_by,
                "source": h.source,
                "old_status": h.old_status,
                "new_status": h.new_status,
                "note": h.note,
                "changes": h.changes,
            }
            for h in hist
        ],
    )


def save_measures(
    session: Session,
    *,
    municipality_id: int,
    codes: Iterable[str],
    status: str | None,
    actor: str,
    expected: dict[str, dict[str, int]] | None = None,
    source: str = "tui",
    risk_acceptance_basic: str = "refuse",
    session_id: int | None = None,
    **fields: Any,
) -> list[MeasureRow]:
    """Set a status and/or fields on measures, on every target object each applies to.

    ``expected`` maps a measure code to {target name: version the user saw}; a target
    changed meanwhile raises ConflictError and nothing is saved (the caller's transaction
    is rolled back). Returns the measures' fresh rows. The caller commits.
    """
    muni = _muni(session, municipality_id)
    edition = munis.edition_of(session, muni)
    cache: dict[Any, Any] = {}
    codes = list(dict.fromkeys(c.strip().upper() for c in codes))
    for code in codes:
        measure = find_measure(session, edition, code)
        kind = session.scalar(select(m.Module.kind).where(m.Module.id == measure.module_id)) or "process"
        seen = (expected or {}).get(code, {})
        for t in munis.targets_for_module(session, muni, measure.module_code, kind):
            set_status(
                session,
                municipality=muni,
                measure_code=code,
                status=status,
                actor=actor,
                target=t.name,
                source=source,
                expected_version=seen.get(t.name) if expected is not None else None,
                risk_acceptance_basic=risk_acceptance_basic,
                cache=cache,
                session_id=session_id,
                **fields,
            )
    session.flush()
    return status_overview(session, muni, codes=set(codes))


def _muni(session: Session, municipality_id: int) -> m.Municipality:
    muni = session.get(m.Municipality, municipality_id)
    if muni is None:
        raise ValidationError(f"municipality #{municipality_id} no longer exists.")
    return muni
