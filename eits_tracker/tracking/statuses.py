"""Setting and reading implementation statuses, with append-only history.

The CLI, the spreadsheet import, the demo and (later) the terminal app all go
through :func:`set_status`, so every rule lives here once: justification for
not applicable, the full record for an accepted risk, the refusal for basic
measures, the version check against concurrent edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from eits_tracker.access import require_read, require_write
from eits_tracker.db import models as m
from eits_tracker.errors import NotFoundError, ValidationError
from eits_tracker.timeutil import utcnow
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.rollup import rollup
from eits_tracker.tracking.vocab import parse_status

#: Fields a user may set besides the status itself, with their type.
EDITABLE: dict[str, type] = {
    "justification": str,
    "approved_by": str,
    "approval_date": date,
    "decision_ref": str,
    "review_date": date,
    "owner": str,
    "due_date": date,
    "implementation": str,
    "remaining": str,
    "priority": str,
    "cost_eur": float,
    "next_review": date,
    "note": str,
    "evidence": list,
}
RISK_FIELDS = ("justification", "approved_by", "approval_date", "decision_ref", "review_date")
PRIORITIES = ("", "P1", "P2", "P3")


class ConflictError(ValidationError):
    """Someone else changed the status since it was read; both values are shown."""

    title = "Changed by someone else"

    def __init__(self, code: str, expected: int, row: m.MeasureStatus, attempted: str) -> None:
        super().__init__(
            f"{code} was changed by {row.updated_by or 'someone'} at {row.updated_at:%Y-%m-%d %H:%M} UTC "
            f"(version {row.version}, you had version {expected}): theirs is {row.status!r}, yours is {attempted!r}. "
            "Nothing was saved; read it again and decide.",
            field="version",
        )
        self.current = row


@dataclass
class StatusChange:
    row: m.MeasureStatus
    history: m.StatusHistory | None
    warnings: list[str] = field(default_factory=list)


def find_measure(session: Session, edition: m.Edition, code: str) -> m.Measure:
    code = code.strip().upper()
    measure = session.scalars(
        select(m.Measure).where(m.Measure.edition_id == edition.id, m.Measure.code == code)
    ).first()
    if measure is None:
        other = session.scalars(
            select(m.Edition.key).join(m.Measure, m.Measure.edition_id == m.Edition.id).where(m.Measure.code == code)
        ).all()
        hint = f" It exists in edition(s) {', '.join(other)}." if other else " Check the code, e.g. 'ORP.4.M1'."
        raise NotFoundError(f"measure {code!r} is not in E-ITS {edition.key}.{hint}", field="measure")
    return measure


def _module_kind(session: Session, measure: m.Measure) -> str:
    module = session.get(m.Module, measure.module_id)
    assert module is not None
    return module.kind


def set_status(
    session: Session,
    *,
    municipality: m.Municipality,
    measure_code: str,
    status: str | None,
    actor: str,
    target: str | None = None,
    source: str = "cli",
    expected_version: int | None = None,
    risk_acceptance_basic: str = "refuse",
    history_note: str | None = None,
    changed_at: Any = None,
    cache: dict[Any, Any] | None = None,
    session_id: int | None = None,
    **fields: Any,
) -> StatusChange:
    """Change a status and/or its fields on one target object and append a history row.

    Fields not given keep their values. The caller commits (one transaction per
    user action; a spreadsheet import is one transaction for all rows).
    """
    require_write(session, municipality.id, municipality.name)  # type: ignore[arg-type]
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(EDITABLE)}")
    # A bulk caller (spreadsheet import, bulk edit) passes one cache for all rows: the lookups
    # below repeat for every row, and the session's identity map holds its objects only weakly.
    memo = cache if cache is not None else {}

    def once(key: tuple[Any, ...], make: Any) -> Any:
        if key not in memo:
            memo[key] = make()
        return memo[key]

    edition = once(("edition", municipality.id), lambda: munis.edition_of(session, municipality))
    measure = find_measure(session, edition, measure_code)
    target_obj = once(("target", municipality.id, target), lambda: munis.find_target(session, municipality, target))
    kind = once(("kind", measure.module_id), lambda: _module_kind(session, measure))
    allowed = once(
        ("allowed", municipality.id, measure.module_code),
        lambda: munis.targets_for_module(session, municipality, measure.module_code, kind),
    )
    if target_obj.id not in {t.id for t in allowed}:
        names = ", ".join(t.name for t in allowed)
        raise ValidationError(
            f"{measure.module_code} does not apply to {target_obj.name!r}; it applies to: {names}.", field="target"
        )

    # FOR UPDATE holds the row until commit, so a concurrent writer waits here and then reads the
    # version this one wrote: on PostgreSQL (READ COMMITTED) both would otherwise pass the version
    # check on the same version and the later commit would silently overwrite the earlier one.
    # SQLite ignores the clause; its single writer lock serialises the writes anyway.
    current_row = (
        select(m.MeasureStatus)
        .where(m.MeasureStatus.target_object_id == target_obj.id, m.MeasureStatus.measure_id == measure.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.scalars(current_row).first()
    new_row = row is None
    if row is None:
        row = m.MeasureStatus(target_object_id=target_obj.id, measure_id=measure.id, status="not_assessed", version=0)  # type: ignore[arg-type]
    new_status = parse_status(status) if status is not None else row.status
    values = {name: _coerce(name, value) for name, value in fields.items() if value is not None}
    merged = {name: values.get(name, getattr(row, name)) for name in EDITABLE}
    warnings = _check_rules(measure, new_status, merged, risk_acceptance_basic)

    changes: dict[str, list[Any]] = {
        name: [_jsonable(getattr(row, name)), _jsonable(value)]
        for name, value in values.items()
        if getattr(row, name) != value
    }
    if new_status == row.status and not changes and not row.archived:
        return StatusChange(row, None, warnings)
    # Only a write that changes something can conflict: re-sending the same values is harmless.
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(measure.code, expected_version, row, new_status)
    for name, (_old, _new) in changes.items():
        setattr(row, name, values[name])
    old_status = None if new_row else row.status

    now = changed_at or utcnow()
    row.status = new_status
    if row.archived:
        row.archived = False
        changes["archived"] = [True, False]
    row.version += 1
    row.updated_by = actor
    row.updated_at = now
    if new_row:
        # Two first writes of one measure: the later one meets the unique constraint, which is the
        # same conflict as a changed version and is reported as one. (add() inside the savepoint:
        # begin_nested() flushes what is pending before it starts.)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            theirs = session.scalars(current_row).one()
            raise ConflictError(measure.code, expected_version or 0, theirs, new_status) from None
    else:
        session.add(row)
        session.flush()
    hist = m.StatusHistory(
        status_id=row.id,  # type: ignore[arg-type]
        municipality_id=municipality.id,  # type: ignore[arg-type]
        target_object_id=target_obj.id,  # type: ignore[arg-type]
        measure_code=measure.code,
        edition_key=edition.key,
        changed_at=now,
        changed_by=actor,
        source=source,
        old_status=old_status,
        new_status=new_status,
        note=history_note if history_note is not None else str(values.get("note", "")),
        changes=changes,
        session_id=session_id,
    )
    session.add(hist)
    return StatusChange(row, hist, warnings)


def _check_rules(measure: m.Measure, status: str, merged: dict[str, Any], basic_policy: str) -> list[str]:
    warnings: list[str] = []
    if status == "not_applicable" and not (merged["justification"] or "").strip():
        raise ValidationError(
            f"{measure.code}: 'not_applicable' needs a justification (--justification): why the measure "
            "does not apply here.",
            field="justification",
        )
    if status == "risk_accepted":
        missing = [f for f in RISK_FIELDS if not merged[f] or (isinstance(merged[f], str) and not merged[f].strip())]
        if missing:
            opts = ", ".join("--" + f.replace("_", "-") for f in missing)
            raise ValidationError(
                f"{measure.code}: accepting a risk needs {', '.join(missing)} ({opts}): who approved it, when, "
                "by which decision (e.g. the municipal order) and when it is reviewed.",
                field=missing[0],
            )
        if measure.level == "basic":
            text = (
                f"{measure.code} is a basic measure: under IT-Grundschutz the risk of an unmet basic measure "
                "cannot be accepted"
            )
            if basic_policy != "warn":
                raise ValidationError(
                    text + '. Implement it, or set risk_acceptance_basic = "warn" in the settings if your '
                    "security policy allows it.",
                    field="status",
                )
            warnings.append(text + " (allowed by the setting risk_acceptance_basic = warn).")
    return warnings


def _coerce(name: str, value: Any) -> Any:
    kind = EDITABLE[name]
    if kind is date and isinstance(value, str):
        from eits_tracker.timeutil import parse_date

        return parse_date(value, field=name) if value.strip() else None
    if kind is float and isinstance(value, str):
        try:
            return float(value.replace(",", ".").replace("€", "").strip()) if value.strip() else None
        except ValueError:
            raise ValidationError(
                f"cost-eur: {value!r} is not an amount in euros, e.g. 1200 or 1200.50.", field="cost_eur"
            ) from None
    if kind is float and isinstance(value, (int, float)):
        if value < 0:
            raise ValidationError(f"cost-eur: {value} is negative.", field="cost_eur")
        return float(value)
    if kind is list and isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if name == "priority":
        value = str(value).strip().upper()
        if value not in PRIORITIES:
            raise ValidationError(f"priority: {value!r} is not one of P1, P2, P3.", field="priority")
    return value


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# --- reading -----------------------------------------------------------------------


@dataclass
class MeasureRow:
    """One measure as a municipality sees it: rolled up over its target objects."""

    code: str
    module: str
    title: str
    level: str
    status: str
    owner: str
    due_date: date | None
    needs_review: bool
    priority_kov: str
    targets: dict[str, str]
    note: str = ""
    version: int = 0
    lifecycle: str = ""
    #: Version of each target's status row (0 where none exists yet): what a writer expects.
    versions: dict[str, int] = field(default_factory=dict)


def status_overview(
    session: Session,
    municipality: m.Municipality,
    *,
    module: str | None = None,
    applicable_only: bool = True,
    codes: set[str] | None = None,
) -> list[MeasureRow]:
    """Every in-scope measure of the municipality's edition with its rolled-up status.

    ``module`` or ``codes`` narrow it down; then only those measures' status rows are read
    (the app re-reads one measure after every key press).
    """
    require_read(session, municipality.id, municipality.name)  # type: ignore[arg-type]
    edition = munis.edition_of(session, municipality)
    stmt = (
        select(m.Measure, m.Module.kind)
        .join(m.Module, m.Module.id == m.Measure.module_id)
        .where(m.Measure.edition_id == edition.id)
    )
    if module:
        code = module.strip().upper()
        if session.scalar(select(m.Module.id).where(m.Module.edition_id == edition.id, m.Module.code == code)) is None:
            raise NotFoundError(f"module {module!r} is not in E-ITS {edition.key}.")
        stmt = stmt.where(m.Measure.module_code == code)
    elif applicable_only and not codes:
        stmt = stmt.where(m.Measure.module_code.in_(munis.applicable_modules(session, municipality)))  # type: ignore[attr-defined]
    if codes:
        stmt = stmt.where(m.Measure.code.in_(sorted(codes)))  # type: ignore[attr-defined]
    measures = session.execute(stmt.order_by(m.Measure.id)).all()
    narrow = bool(module or codes)

    all_targets = munis.targets(session, municipality)
    target_names = {t.id: t.name for t in all_targets}
    carriers: dict[str, list[int]] = {}
    for tm in session.scalars(
        select(m.TargetObjectModule).where(m.TargetObjectModule.target_object_id.in_(list(target_names)))  # type: ignore[attr-defined]
    ):
        carriers.setdefault(tm.module_code, []).append(tm.target_object_id)
    default_id = next(t.id for t in all_targets if t.is_default)

    status_stmt = select(m.MeasureStatus).where(
        m.MeasureStatus.target_object_id.in_(list(target_names)),  # type: ignore[attr-defined]
        m.MeasureStatus.archived == False,  # noqa: E712
    )
    if narrow:
        status_stmt = status_stmt.where(m.MeasureStatus.measure_id.in_([ms.id for ms, _kind in measures]))  # type: ignore[attr-defined]
    rows = session.scalars(status_stmt).all()
    by_key = {(r.target_object_id, r.measure_id): r for r in rows}
    kov_stmt = (
        select(m.ProfilePriority.measure_code, m.ProfilePriority.priority)
        .join(m.Profile, m.Profile.id == m.ProfilePriority.profile_id)
        .where(m.Profile.edition_id == edition.id, m.Profile.key == munis.DEFAULT_PROFILE)
    )
    if narrow:
        kov_stmt = kov_stmt.where(m.ProfilePriority.measure_code.in_([ms.code for ms, _kind in measures]))  # type: ignore[attr-defined]
    kov = dict(session.execute(kov_stmt).all())
    out = []
    for measure, kind in measures:
        tids = [default_id] if kind == "process" else (carriers.get(measure.module_code) or [default_id])
        per = {tid: by_key.get((tid, measure.id)) for tid in tids}
        statuses = {target_names[tid]: (r.status if r else "not_assessed") for tid, r in per.items()}
        present = [r for r in per.values() if r is not None]
        first = present[0] if len(present) == 1 and len(per) == 1 else None
        out.append(
            MeasureRow(
                code=measure.code,
                module=measure.module_code,
                title=measure.title,
                level=measure.level,
                status=rollup(statuses.values()),
                owner=", ".join(sorted({r.owner for r in present if r.owner})),
                due_date=min((r.due_date for r in present if r.due_date), default=None),
                needs_review=any(r.needs_review for r in present),
                priority_kov=kov.get(measure.code, ""),
                targets=statuses,
                note=first.note if first else "",
                version=first.version if first else 0,
                lifecycle=measure.lifecycle or "",
                versions={target_names[tid]: (r.version if r else 0) for tid, r in per.items()},
            )
        )
    return out


def history(session: Session, municipality: m.Municipality, measure_code: str) -> list[m.StatusHistory]:
    require_read(session, municipality.id, municipality.name)  # type: ignore[arg-type]
    code = measure_code.strip().upper()
    stmt = (
        select(m.StatusHistory)
        .where(m.StatusHistory.municipality_id == municipality.id, m.StatusHistory.measure_code == code)
        .order_by(m.StatusHistory.changed_at, m.StatusHistory.id)
    )
    rows = list(session.scalars(stmt).all())
    if not rows:
        edition = munis.edition_of(session, municipality)
        find_measure(session, edition, code)  # a wrong code is an error, not an empty history
    return rows


def status_detail(
    session: Session, municipality: m.Municipality, measure_code: str, target: str | None = None
) -> tuple[m.Measure, m.MeasureStatus | None]:
    require_read(session, municipality.id, municipality.name)  # type: ignore[arg-type]
    edition = munis.edition_of(session, municipality)
    measure = find_measure(session, edition, measure_code)
    t = munis.find_target(session, municipality, target)
    row = session.scalars(
        select(m.MeasureStatus).where(
            m.MeasureStatus.target_object_id == t.id, m.MeasureStatus.measure_id == measure.id
        )
    ).first()
    return measure, row
