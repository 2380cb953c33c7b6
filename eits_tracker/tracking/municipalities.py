"""Municipalities: finding them by EHAK code or name, approach, applicable modules, target objects."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import require_write
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.text import fold
from eits_tracker.timeutil import utcnow

APPROACHES = {"basic": ("basic",), "standard": ("basic", "standard")}
APPROACH_ALIASES = {
    "basic": "basic",
    "põhiturve": "basic",
    "pohiturve": "basic",
    "standard": "standard",
    "standardturve": "standard",
}
DEFAULT_PROFILE = "kov"


def find_municipality(session: Session, query: str) -> m.Municipality:
    """By EHAK code ('0784' or '784'), exact name, or a unique name prefix; else suggest the closest."""
    q = query.strip()
    # The usual case — an exact EHAK code or name, as scripts and spreadsheets give them — is one query.
    exact_match = m.Municipality.ehak_code == q.zfill(4) if q.isdigit() else m.Municipality.name == q
    found = session.scalars(select(m.Municipality).where(exact_match)).first()
    if found is not None:
        return found
    keyed = [(fold(mu.name), mu) for mu in session.scalars(select(m.Municipality).order_by(m.Municipality.name))]
    fq = fold(q)
    exact = [mu for key, mu in keyed if key == fq]
    if exact:
        return exact[0]
    short = [mu for key, mu in keyed if key.removesuffix(" linn").removesuffix(" vald") == fq]
    if len(short) == 1:
        return short[0]
    prefix = [mu for key, mu in keyed if key.startswith(fq)] if fq else []
    if len(prefix) == 1:
        return prefix[0]
    close = difflib.get_close_matches(fq, [key for key, _ in keyed], n=3, cutoff=0.5)
    candidates = prefix or [mu for name in close for key, mu in keyed if key == name]
    hint = ", ".join(f"{mu.name} ({mu.ehak_code})" for mu in candidates[:5])
    raise NotFoundError(
        f"no municipality {query!r}"
        + (f"; did you mean: {hint}?" if hint else ". List them with 'eits-tracker municipality list'.")
    )


def list_municipalities(session: Session, *, county: str | None = None) -> list[m.Municipality]:
    stmt = select(m.Municipality).order_by(m.Municipality.name)
    rows = list(session.scalars(stmt).all())
    if county:
        fc = fold(county)
        rows = [r for r in rows if fold(r.county).startswith(fc)]
    return rows


def edition_of(session: Session, muni: m.Municipality) -> m.Edition:
    if muni.edition_id is None:
        raise ValidationError(f"{muni.name} has no catalogue edition; run 'eits-tracker db upgrade' to load one.")
    edition = session.get(m.Edition, muni.edition_id)
    assert edition is not None
    return edition


def parse_approach(text: str) -> str:
    key = APPROACH_ALIASES.get(fold(text))
    if key is None:
        raise ValidationError(f"approach {text!r} is unknown; use basic (põhiturve) or standard (standardturve).")
    return key


def set_approach(
    session: Session, muni: m.Municipality, approach: str, *, expected: str | None = None
) -> m.Municipality:
    """Change the target approach; ``expected`` is the approach the user saw (a change made
    meanwhile by someone else is refused, not overwritten)."""
    require_write(session, muni.id, muni.name)  # type: ignore[arg-type]
    if expected is not None and muni.approach != expected:
        raise ValidationError(
            f"the target approach of {muni.name} was changed meanwhile to {muni.approach!r} (you saw {expected!r}); "
            "nothing was saved. Look at it again and decide.",
            title="Changed by someone else",
            field="approach",
        )
    muni.approach = parse_approach(approach)
    muni.version += 1
    muni.updated_at = utcnow()
    session.add(muni)
    return muni


def profile_modules(session: Session, edition_id: int, profile: str = DEFAULT_PROFILE) -> set[str]:
    """Modules with at least one measure in the sector profile (the KOV profile by default)."""
    stmt = (
        select(m.Measure.module_code)
        .join(m.ProfilePriority, m.ProfilePriority.measure_code == m.Measure.code)
        .join(m.Profile, m.Profile.id == m.ProfilePriority.profile_id)
        .where(m.Profile.edition_id == edition_id, m.Profile.key == profile, m.Measure.edition_id == edition_id)
        .distinct()
    )
    return set(session.scalars(stmt).all())


def applicable_modules(session: Session, muni: m.Municipality) -> set[str]:
    """The KOV-profile modules of the municipality's edition, plus added, minus excluded ones."""
    edition = edition_of(session, muni)
    modules = profile_modules(session, edition.id)  # type: ignore[arg-type]
    overrides = session.scalars(select(m.ModuleApplicability).where(m.ModuleApplicability.municipality_id == muni.id))
    for o in overrides:
        if o.applicable:
            modules.add(o.module_code)
        else:
            modules.discard(o.module_code)
    return modules


def module_overrides(session: Session, muni: m.Municipality) -> list[m.ModuleApplicability]:
    stmt = select(m.ModuleApplicability).where(m.ModuleApplicability.municipality_id == muni.id)
    return list(session.scalars(stmt.order_by(m.ModuleApplicability.module_code)).all())


def set_module_applicability(
    session: Session,
    muni: m.Municipality,
    module_code: str,
    *,
    applicable: bool,
    reason: str,
    actor: str,
    expected: bool | None = None,
) -> m.ModuleApplicability:
    """Add (applicable) or exclude a module; an exclusion needs a reason. ``expected`` is whether
    the user saw the module in scope: a change made meanwhile by someone else is refused."""
    require_write(session, muni.id, muni.name)  # type: ignore[arg-type]
    edition = edition_of(session, muni)
    code = module_code.strip().upper()
    exists = session.scalar(select(m.Module.id).where(m.Module.edition_id == edition.id, m.Module.code == code))
    if exists is None:
        raise NotFoundError(
            f"module {module_code!r} is not in E-ITS {edition.key}; see 'eits-tracker catalog list --modules'."
        )
    if not applicable and not reason.strip():
        raise ValidationError(
            f"excluding {code} needs a reason (--reason), e.g. 'no industrial IT in the municipality'."
        )
    row = session.scalars(
        select(m.ModuleApplicability).where(
            m.ModuleApplicability.municipality_id == muni.id, m.ModuleApplicability.module_code == code
        )
    ).first()
    if expected is not None:
        now_in_scope = code in applicable_modules(session, muni)
        if now_in_scope != expected:
            who = f" by {row.changed_by}" if row is not None and row.changed_by else ""
            raise ValidationError(
                f"{code} was {'added to' if now_in_scope else 'excluded from'} the scope of {muni.name} "
                f"meanwhile{who}; nothing was saved. Look at it again and decide.",
                title="Changed by someone else",
                field="module",
            )
    if row is None:
        row = m.ModuleApplicability(municipality_id=muni.id, module_code=code, applicable=applicable)  # type: ignore[arg-type]
    row.applicable = applicable
    row.reason = reason.strip()
    row.changed_by = actor
    row.changed_at = utcnow()
    session.add(row)
    return row


def default_target(session: Session, muni: m.Municipality) -> m.TargetObject:
    target = session.scalars(
        select(m.TargetObject).where(m.TargetObject.municipality_id == muni.id, m.TargetObject.is_default)
    ).first()
    if target is None:  # every municipality gets one; repair rather than fail
        target = m.TargetObject(
            municipality_id=muni.id, name="Kogu organisatsioon", kind="organisation", is_default=True
        )  # type: ignore[arg-type]
        session.add(target)
        session.flush()
    return target


def targets(session: Session, muni: m.Municipality) -> list[m.TargetObject]:
    stmt = select(m.TargetObject).where(m.TargetObject.municipality_id == muni.id)
    return list(session.scalars(stmt.order_by(m.TargetObject.is_default.desc(), m.TargetObject.name)).all())  # type: ignore[attr-defined]


def find_target(session: Session, muni: m.Municipality, name: str | None) -> m.TargetObject:
    if name is None:
        return default_target(session, muni)
    known = targets(session, muni)
    for t in known:
        if fold(t.name) == fold(name):
            return t
    names = ", ".join(t.name for t in known)
    raise NotFoundError(f"{muni.name} has no target object {name!r}; it has: {names}.", field="target")


def add_target(session: Session, muni: m.Municipality, name: str, kind: str, modules: list[str]) -> m.TargetObject:
    """A target object (server, application, room, network…) with the system modules applied to it."""
    require_write(session, muni.id, muni.name)  # type: ignore[arg-type]
    if not name.strip():
        raise ValidationError("a target object needs a name")
    t = m.TargetObject(municipality_id=muni.id, name=name.strip(), kind=kind, is_default=False)  # type: ignore[arg-type]
    session.add(t)
    session.flush()
    for code in modules:
        session.add(m.TargetObjectModule(target_object_id=t.id, module_code=code.upper()))  # type: ignore[arg-type]
    return t


def targets_for_module(session: Session, muni: m.Municipality, module_code: str, kind: str) -> list[m.TargetObject]:
    """Where a module's measures apply: process modules to the whole organisation; system modules
    to the target objects that carry them, or the whole organisation while none does."""
    default = default_target(session, muni)
    if kind == "process":
        return [default]
    carriers = list(
        session.scalars(
            select(m.TargetObject)
            .join(m.TargetObjectModule, m.TargetObjectModule.target_object_id == m.TargetObject.id)
            .where(m.TargetObject.municipality_id == muni.id, m.TargetObjectModule.module_code == module_code)
        ).all()
    )
    return carriers or [default]


def applicability_table(session: Session, muni: m.Municipality) -> list[dict[str, object]]:
    """Every module of the municipality's edition: in the KOV profile?, applicable?, and why not."""
    edition = edition_of(session, muni)
    profile = profile_modules(session, edition.id)  # type: ignore[arg-type]
    overrides = {o.module_code: o for o in module_overrides(session, muni)}
    out: list[dict[str, object]] = []
    for code, title, layer in session.execute(
        select(m.Module.code, m.Module.title, m.Module.layer_code)
        .where(m.Module.edition_id == edition.id)
        .order_by(m.Module.id)
    ).all():
        o = overrides.get(code)
        applicable = o.applicable if o else code in profile
        out.append(
            {
                "code": code,
                "title": title,
                "layer": layer,
                "in_profile": code in profile,
                "applicable": applicable,
                "reason": (o.reason if o else ""),
                "changed_by": (o.changed_by if o else ""),
                "source": ("added" if applicable else "excluded") if o else ("profile" if code in profile else "none"),
            }
        )
    return out
