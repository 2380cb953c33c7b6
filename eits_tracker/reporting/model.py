"""What a quarterly report says, as plain data: built by ``collect``, rendered by the writers.

Nothing here reads the database or formats anything; every list is already in the order it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from eits_tracker.tracking.maturity_rows import Maturity

if TYPE_CHECKING:  # the writers' worker processes unpickle these classes: keep their imports light
    from eits_tracker.mentoring.activity import MentoringActivity

LAYERS = ("ISMS", "ORP", "CON", "OPS", "DER", "APP", "SYS", "IND", "NET", "INF")


def code_key(code: str) -> tuple[Any, ...]:
    """Catalogue order of codes: CON.3.M2 before CON.3.M12, OPS.1.1.2 before OPS.1.1.10."""
    parts = code.replace(".M", ".\0M").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


@dataclass(slots=True)
class Fulfilment:
    """Status counts of a set of in-scope measures and the fulfilment they give (None: nothing counts)."""

    code: str
    title: str
    in_scope: int
    counts: dict[str, int]
    fulfilment: float | None
    coverage: float | None


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each of its 21 fields through object.__setattr__
class MeasureRow:
    """A measure of the municipality at the quarter's end, with its plan fields as they were then."""

    code: str
    title: str
    module_code: str
    level: str
    status: str
    target: str  # the target object's name ("" when the row is the roll-up)
    owner: str = ""
    due_date: date | None = None
    implementation: str = ""
    remaining: str = ""
    priority: str = ""
    cost_eur: float | None = None
    next_review: date | None = None
    justification: str = ""
    approved_by: str = ""
    approval_date: date | None = None
    decision_ref: str = ""
    review_date: date | None = None
    review_reason: str = ""
    note: str = ""
    profile_priority: str = ""  # P1/P2/P3 in the KOV profile


@dataclass(frozen=True)
class SessionRow:
    held_on: date  # Tallinn date
    mentor: str
    format: str
    minutes: int
    modules: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class FollowUpRow:
    description: str
    measure_code: str
    owner: str
    due_date: date
    state: str  # at the quarter's end: open, done, dropped
    overdue: bool  # open at the end and due before it


@dataclass
class MunicipalityReport:
    id: int
    ehak_code: str
    name: str
    kind: str
    county: str
    approach: str
    edition: str
    slug: str  # <ehak>-<name>, the file name without extension
    maturity: Maturity
    previous: Maturity | None  # None: no status history by the previous quarter's end
    recorded: bool  # any status history by the quarter's end
    rank: int = 0
    trend: list[tuple[str, Maturity | None]] = field(default_factory=list)  # oldest first, ends with this quarter
    layers: list[Fulfilment] = field(default_factory=list)
    modules: list[Fulfilment] = field(default_factory=list)
    gaps: list[MeasureRow] = field(default_factory=list)  # basic measures not fulfilled
    excluded: list[MeasureRow] = field(default_factory=list)  # not applicable or risk accepted
    review: list[MeasureRow] = field(default_factory=list)  # flagged after an edition change
    plan: list[MeasureRow] = field(default_factory=list)  # every in-scope measure per target object
    sessions: list[SessionRow] = field(default_factory=list)
    followups: list[FollowUpRow] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # in-scope measure code -> rolled-up status
    detailed: bool = True  # False: the reader may see the summary only (no gaps, plan, sessions)

    def delta(self, name: str) -> float | None:
        """This quarter minus the previous one: ``level``, ``coverage`` or a fulfilment level."""
        if self.previous is None:
            return None
        now, then = _value(self.maturity, name), _value(self.previous, name)
        return None if now is None or then is None else now - then


def _value(mat: Maturity, name: str) -> float | None:
    if name == "level":
        return mat.level
    if name == "coverage":
        return mat.coverage
    return mat.fulfilment.get(name)


@dataclass(frozen=True)
class CountyRow:
    county: str
    municipalities: int
    mean_basic: float | None
    mean_level: float
    levels: dict[int, int]  # level -> municipalities


@dataclass(frozen=True)
class UnmetMeasure:
    code: str
    title: str
    module_code: str
    unmet: int  # municipalities where the measure is in scope and not fulfilled
    in_scope: int  # municipalities where it is in scope


@dataclass
class QuarterReport:
    quarter: str
    previous_quarter: str
    start: datetime  # the previous quarter's end, UTC
    end: datetime  # 24:00 Tallinn on the quarter's last day, UTC
    generated_at: datetime
    thresholds: tuple[float, float, float]
    quarters: list[str]  # the trend's quarters, oldest first
    municipalities: list[MunicipalityReport]  # Estonian alphabetical order
    ranking: list[MunicipalityReport]
    distribution: dict[int, int]  # level -> municipalities, this quarter
    previous_distribution: dict[int, int]
    movers_up: list[MunicipalityReport]
    movers_down: list[MunicipalityReport]
    counties: list[CountyRow]
    unmet_p1: list[UnmetMeasure]
    mentoring: MentoringActivity | None
    totals: dict[str, Any]
    layer_titles: dict[str, str]
