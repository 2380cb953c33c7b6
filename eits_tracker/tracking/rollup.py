"""A municipality's status for a measure is the roll-up over the target objects it applies to."""

from __future__ import annotations

from collections.abc import Iterable


def rollup(statuses: Iterable[str]) -> str:
    """Combine per-target statuses into one.

    - not assessed where any target is not assessed (or there is none);
    - not applicable only where every target is;
    - implemented only where every applicable target is implemented;
    - risk accepted where the rest is implemented and at least one accepted the risk;
    - not implemented where nothing is implemented or partial;
    - otherwise partial.
    """
    values = [s for s in statuses]
    if not values or "not_assessed" in values:
        return "not_assessed"
    relevant = [s for s in values if s != "not_applicable"]
    if not relevant:
        return "not_applicable"
    kinds = set(relevant)
    if kinds == {"implemented"}:
        return "implemented"
    if kinds <= {"implemented", "risk_accepted"}:
        return "risk_accepted"
    if not kinds & {"implemented", "partial"}:
        return "not_implemented" if "not_implemented" in kinds else "risk_accepted"
    return "partial"
