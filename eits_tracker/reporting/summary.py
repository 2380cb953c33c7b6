"""summary.json: every number of the report per municipality, for other tools and for the tests.

Shares are fractions 0..1 rounded to six decimals; changes are this quarter minus the previous one;
null where there is nothing to measure (no measures in scope, no history by then). No timestamps
but the quarter's own end: the file is the same whenever it is generated.
"""

from __future__ import annotations

from typing import Any

from eits_tracker.reporting.model import Fulfilment, MunicipalityReport, QuarterReport
from eits_tracker.tracking.maturity_rows import Maturity

SCHEMA = "eits-tracker/quarterly-summary/1"


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _maturity(mat: Maturity | None) -> dict[str, Any] | None:
    if mat is None:
        return None
    return {
        "maturity_level": mat.level,
        "coverage": _r(mat.coverage),
        "fulfilment": {lv: _r(v) for lv, v in mat.fulfilment.items()},
        "in_scope": dict(mat.in_scope),
        "counts": dict(mat.counts),
    }


def _fulfilment(f: Fulfilment) -> dict[str, Any]:
    return {"in_scope": f.in_scope, "fulfilment": _r(f.fulfilment), "coverage": _r(f.coverage), "counts": f.counts}


def _municipality(m: MunicipalityReport) -> dict[str, Any]:
    now = _maturity(m.maturity)
    assert now is not None
    out: dict[str, Any] = {
        "ehak_code": m.ehak_code,
        "name": m.name,
        "county": m.county,
        "approach": m.approach,
        "edition": m.edition,
        "recorded": m.recorded,
        "rank": m.rank,
        **now,
        "previous": _maturity(m.previous),
        "deltas": {name: _r(m.delta(name)) for name in ("level", "coverage", "basic", "standard", "high")},
        "layers": {f.code: _fulfilment(f) for f in m.layers},
        "modules": {f.code: _fulfilment(f) for f in m.modules},
        "trend": [{"quarter": q, **(_maturity(p) or {"maturity_level": None})} for q, p in m.trend],
    }
    if m.detailed:
        out["gaps"] = len(m.gaps)
        out["excluded"] = len(m.excluded)
        out["review"] = len(m.review)
        out["sessions"] = len(m.sessions)
        out["session_minutes"] = sum(s.minutes for s in m.sessions)
        out["followups"] = {
            state: sum(f.state == state for f in m.followups) for state in ("open", "done", "dropped")
        } | {"overdue": sum(f.overdue for f in m.followups)}
    return out


def summary(report: QuarterReport) -> dict[str, Any]:
    mentoring = None
    if report.mentoring is not None:
        a = report.mentoring
        mentoring = {
            "totals": {**a.totals.__dict__, "hours": _r(a.totals.hours)},
            "mentors": [
                {k: (_r(v) if k == "hours" else v) for k, v in p.__dict__.items() if k != "person_id"}
                for p in a.mentors
            ],
            "mentees": [
                {
                    "ehak_code": e.ehak_code,
                    "name": e.name,
                    "mentors": list(e.mentors),
                    "sessions": e.sessions,
                    "hours": _r(e.hours),
                    "followups_opened": e.followups_opened,
                    "followups_done": e.followups_done,
                    "followups_dropped": e.followups_dropped,
                    "overdue_at_end": e.overdue_at_end,
                    "status_changes": e.status_changes,
                }
                for e in a.mentees
            ],
        }
    totals = {k: (_r(v) if isinstance(v, float) else v) for k, v in report.totals.items()}
    return {
        "schema": SCHEMA,
        "quarter": report.quarter,
        "previous_quarter": report.previous_quarter,
        "quarter_end": report.end.isoformat(),
        "thresholds": list(report.thresholds),
        "quarters": report.quarters,
        "totals": totals,
        "distribution": {str(level): report.distribution.get(level, 0) for level in range(6)},
        "previous_distribution": {str(level): report.previous_distribution.get(level, 0) for level in range(6)},
        "municipalities": [_municipality(m) for m in report.municipalities],
        "unmet_p1": [u.__dict__ for u in report.unmet_p1],
        "mentoring": mentoring,
    }
