"""Reading loaded editions back: counts, one module or measure, a whole edition as a CatalogEdition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.catalog import model as cm
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError


@dataclass
class EditionSummary:
    key: str
    standard: str
    title: str
    year: int | None
    language: str
    valid_from: Any
    valid_to: Any
    sha256: str
    layers: int
    modules: int
    measures: int
    levels: dict[str, int]
    threats: int
    profiles: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def find_edition(session: Session, key: str) -> m.Edition:
    key = key.strip()
    edition = session.scalars(select(m.Edition).where(m.Edition.key == key)).first()
    if edition is None:
        known = ", ".join(session.scalars(select(m.Edition.key).order_by(m.Edition.key)).all())
        raise NotFoundError(f"no catalogue edition {key!r}; loaded editions: {known or 'none'}.")
    return edition


def summaries(session: Session) -> list[EditionSummary]:
    out = []
    for e in session.scalars(select(m.Edition).order_by(m.Edition.key)).all():
        levels = dict(
            session.execute(
                select(m.Measure.level, func.count()).where(m.Measure.edition_id == e.id).group_by(m.Measure.level)
            ).all()
        )
        profiles: dict[str, dict[str, int]] = {}
        for p in session.scalars(select(m.Profile).where(m.Profile.edition_id == e.id).order_by(m.Profile.key)):
            counts = dict(
                session.execute(
                    select(m.ProfilePriority.priority, func.count())
                    .where(m.ProfilePriority.profile_id == p.id)
                    .group_by(m.ProfilePriority.priority)
                ).all()
            )
            modules = session.scalar(
                select(func.count(func.distinct(m.Measure.module_code)))
                .join(m.ProfilePriority, m.ProfilePriority.measure_code == m.Measure.code)
                .where(m.ProfilePriority.profile_id == p.id, m.Measure.edition_id == e.id)
            )
            profiles[p.key] = {
                "measures": sum(counts.values()),
                "modules": modules or 0,
                **dict(sorted(counts.items())),
            }
        out.append(
            EditionSummary(
                key=e.key,
                standard=e.standard,
                title=e.title,
                year=e.year,
                language=e.language,
                valid_from=e.valid_from,
                valid_to=e.valid_to,
                sha256=e.sha256,
                layers=_count(session, m.Layer, e.id, parent_only=True),
                modules=_count(session, m.Module, e.id),
                measures=sum(levels.values()),
                levels={lv: levels.get(lv, 0) for lv in ("basic", "standard", "high")},
                threats=_count(session, m.Threat, e.id),
                profiles=profiles,
            )
        )
    return out


def _count(session: Session, table: Any, edition_id: int | None, parent_only: bool = False) -> int:
    stmt = select(func.count()).select_from(table).where(table.edition_id == edition_id)
    if parent_only:
        stmt = stmt.where(table.parent_code.is_(None))
    return int(session.scalar(stmt) or 0)


def find_code(session: Session, edition: m.Edition, code: str) -> m.Module | m.Measure:
    code = code.strip().upper()
    for table in (m.Measure, m.Module):
        row = session.scalars(select(table).where(table.edition_id == edition.id, table.code == code)).first()
        if row is not None:
            return row
    raise NotFoundError(f"{code!r} is neither a module nor a measure of {edition.standard} {edition.key}.")


def modules_of(session: Session, edition: m.Edition) -> list[m.Module]:
    return list(session.scalars(select(m.Module).where(m.Module.edition_id == edition.id).order_by(m.Module.id)).all())


def measures_of(session: Session, edition: m.Edition, module_code: str | None = None) -> list[m.Measure]:
    stmt = select(m.Measure).where(m.Measure.edition_id == edition.id)
    if module_code:
        stmt = stmt.where(m.Measure.module_code == module_code)
    return list(session.scalars(stmt.order_by(m.Measure.id)).all())


def threats_of(session: Session, edition: m.Edition, codes: list[str]) -> list[m.Threat]:
    if not codes:
        return []
    stmt = select(m.Threat).where(m.Threat.edition_id == edition.id, m.Threat.code.in_(codes))  # type: ignore[attr-defined]
    return list(session.scalars(stmt).all())


def to_catalog(session: Session, edition: m.Edition) -> cm.CatalogEdition:
    """A loaded edition back in the native format (for OSCAL and native export)."""
    layers = session.scalars(select(m.Layer).where(m.Layer.edition_id == edition.id).order_by(m.Layer.id)).all()
    profiles = []
    for p in session.scalars(select(m.Profile).where(m.Profile.edition_id == edition.id).order_by(m.Profile.id)):
        pr = dict(
            session.execute(
                select(m.ProfilePriority.measure_code, m.ProfilePriority.priority)
                .where(m.ProfilePriority.profile_id == p.id)
                .order_by(m.ProfilePriority.measure_code)
            ).all()
        )
        profiles.append(cm.Profile(key=p.key, title=p.title, priorities=pr))
    threats = session.scalars(select(m.Threat).where(m.Threat.edition_id == edition.id).order_by(m.Threat.id)).all()
    return cm.CatalogEdition(
        edition=cm.Edition(
            key=edition.key,
            standard=edition.standard,
            year=edition.year,
            title=edition.title,
            language=edition.language,
            valid_from=edition.valid_from,
            valid_to=edition.valid_to,
            source=edition.source,
            attribution=edition.attribution,
            notes=list(edition.notes),
        ),
        layers=[cm.Layer(code=x.code, title=x.title, kind=x.kind, parent=x.parent_code) for x in layers],  # type: ignore[arg-type]
        modules=[
            cm.Module(
                code=x.code,
                title=x.title,
                layer=x.layer_code,
                subgroup=x.subgroup_code,
                kind=x.kind,  # type: ignore[arg-type]
                purpose=x.purpose,
                responsibility=x.responsibility,
                limits=x.limits,
            )
            for x in modules_of(session, edition)
        ],
        measures=[
            cm.Measure(
                code=x.code,
                module=x.module_code,
                title=x.title,
                level=x.level,  # type: ignore[arg-type]
                responsible=x.responsible,
                co_assignees=list(x.co_assignees),
                confidentiality=x.confidentiality,
                integrity=x.integrity,
                availability=x.availability,
                lifecycle=x.lifecycle,  # type: ignore[arg-type]
                text=x.text,
                threats=list(x.threats),
            )
            for x in measures_of(session, edition)
        ],
        threats=[cm.Threat(code=t.code, title=t.title, description=t.description) for t in threats],
        profiles=profiles,
    )
