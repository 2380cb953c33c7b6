"""A municipality's implementation as an OSCAL 1.1 system security plan (JSON), as of the quarter's end.

The municipality is the system; each target object is a component; each in-scope measure is an
implemented requirement whose control id is the id the catalogue export gives the measure
(``catalog.oscal.token``), with one by-component entry per target object carrying the OSCAL
implementation state, the plan text as description and what remains / the justification as remarks:

    implemented → implemented      partial → partial        not implemented → planned
    not applicable → not-applicable    risk accepted → alternative    not assessed → planned (prop)

The E-ITS status itself is a prop in our namespace, so nothing is lost in the mapping. Every UUID is a
uuid5 of the municipality, quarter and code, and ``last-modified`` is the quarter's end: the same
quarter gives the same bytes. compliance-trestle loads the result (a test holds it to that).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eits_tracker import __version__
from eits_tracker.catalog.oscal import NS, OSCAL_VERSION, stable_uuid, token
from eits_tracker.reporting.model import MeasureRow, MunicipalityReport, QuarterReport
from eits_tracker.tracking import vocab

if TYPE_CHECKING:
    from sqlmodel import Session

STATE = {
    "implemented": "implemented",
    "partial": "partial",
    "not_implemented": "planned",
    "not_applicable": "not-applicable",
    "risk_accepted": "alternative",
    "not_assessed": "planned",
}


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": value}


def _remarks(row: MeasureRow) -> str:
    parts = []
    if row.remaining:
        parts.append(f"Remaining: {row.remaining}")
    if row.justification:
        parts.append(f"Justification: {row.justification}")
    if row.decision_ref or row.approved_by:
        parts.append(f"Decision: {row.decision_ref} {row.approved_by}".strip())
    if row.owner:
        parts.append(f"Owner: {row.owner}")
    if row.due_date:
        parts.append(f"Due: {row.due_date.isoformat()}")
    return "\n\n".join(parts)


Target = tuple[int, str, str, str]  # id, name, kind, description


def targets_of(session: Session, municipality_ids: list[int], at: datetime) -> dict[int, list[Target]]:
    """Each municipality's target objects that existed at ``at`` (the SSP's components), in creation order.

    The default target always counts (as in the maturity model); one created later would change a
    past quarter's document.
    """
    from sqlalchemy import or_, select

    from eits_tracker.db import models as m

    to = m.TargetObject
    out: dict[int, list[Target]] = {mid: [] for mid in municipality_ids}
    stmt = select(to.municipality_id, to.id, to.name, to.kind, to.description).where(
        to.municipality_id.in_(municipality_ids), or_(to.is_default.is_(True), to.created_at <= at)
    )
    for mid, *target in session.execute(stmt.order_by(to.id)).all():
        out[mid].append(tuple(target))  # type: ignore[arg-type]
    return out


def ssp(report: QuarterReport, mu: MunicipalityReport, targets: list[Target]) -> dict[str, Any]:
    """The OSCAL document (``{"system-security-plan": {...}}``)."""
    key = ("ssp", mu.ehak_code, report.quarter)
    names = {name for _id, name, _kind, _d in targets}
    component = {name: stable_uuid(*key, "component", name) for name in names}
    profile = stable_uuid(*key, "profile")
    stamp = report.end.isoformat().replace("+00:00", "Z")
    by_code: dict[str, list[MeasureRow]] = {}
    for row in mu.plan:
        by_code.setdefault(row.code, []).append(row)
    requirements = []
    for code, rows in by_code.items():
        rolled = mu.statuses.get(code, rows[0].status)
        requirements.append(
            {
                "uuid": stable_uuid(*key, "requirement", code),
                "control-id": token(code),
                "props": [
                    _prop("label", code),
                    _prop("level", rows[0].level),
                    _prop("eits-status", rolled),
                    *([_prop("plan-letter", vocab.LETTERS[rolled])] if vocab.LETTERS[rolled] else []),
                ],
                "by-components": [
                    {
                        "component-uuid": component[row.target],
                        "uuid": stable_uuid(*key, "by-component", code, row.target),
                        "description": row.implementation or vocab.LABELS["en"][row.status],
                        "props": [_prop("eits-status", row.status)],
                        "implementation-status": {
                            "state": STATE[row.status],
                            **({"remarks": _remarks(row)} if _remarks(row) else {}),
                        },
                    }
                    for row in rows
                    if row.target in component
                ],
            }
        )
    return {
        "system-security-plan": {
            "uuid": stable_uuid(*key),
            "metadata": {
                "title": f"{mu.name}: E-ITS implementation {report.quarter}",
                "last-modified": stamp,
                "version": report.quarter,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("generator", f"eits-tracker {__version__}"), _prop("edition", mu.edition)],
                "remarks": "Statuses as of the quarter's end, from the eits-tracker status history. "
                "Catalogue: E-ITS, Estonian Information System Authority (RIA).",
            },
            "import-profile": {"href": f"#{profile}"},
            "system-characteristics": {
                "system-ids": [{"identifier-type": "https://ehak.stat.ee", "id": mu.ehak_code}],
                "system-name": mu.name,
                "description": f"{mu.name} ({mu.county}): information security under E-ITS {mu.edition}, "
                f"{'basic' if mu.approach == 'basic' else 'standard'} protection.",
                "props": [_prop("approach", mu.approach), _prop("maturity-level", str(mu.maturity.level))],
                "system-information": {
                    "information-types": [
                        {
                            "title": "Local government information",
                            "description": "The information the municipality processes in its duties.",
                        }
                    ]
                },
                "status": {"state": "operational"},
                "authorization-boundary": {"description": "The municipality's organisation and target objects."},
            },
            "system-implementation": {
                "components": [
                    {
                        "uuid": component[name],
                        "type": "this-system" if kind == "organisation" else "service",
                        "title": name,
                        "description": description or name,
                        "props": [_prop("target-kind", kind)],
                        "status": {"state": "operational"},
                    }
                    for _id, name, kind, description in targets
                    if component.get(name)
                ]
            },
            "control-implementation": {
                "description": f"E-ITS {mu.edition} measures in scope for {mu.name} at the end of {report.quarter}.",
                "implemented-requirements": requirements,
            },
            "back-matter": {
                "resources": [
                    {
                        "uuid": profile,
                        "title": f"E-ITS {mu.edition}, KOV profile",
                        "description": "The E-ITS catalogue (RIA) with the local government sector profile.",
                    }
                ]
            },
        }
    }


def ssp_json(report: QuarterReport, mu: MunicipalityReport, targets: list[Target]) -> str:
    # No indent: with one, json falls back to its pure-Python encoder (5× slower on 79 documents of 600 kB).
    return json.dumps(ssp(report, mu, targets), ensure_ascii=False, separators=(",", ":")) + "\n"
