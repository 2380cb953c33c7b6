"""The maturity model's results as plain data: no database, no models imported.

The app's start-up reads the last run's dashboard (tui/snapshot.py) into these before the
models (about 50 ms of class building) are needed; ``tracking.maturity`` computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Maturity:
    municipality_id: int
    ehak_code: str
    name: str
    at: datetime | None  # None = current statuses
    in_scope: dict[str, int]  # per level: in-scope measures
    counts: dict[str, int]  # per status (every key of vocab.STATUSES) over in-scope measures
    coverage: float | None  # 0..1, None when nothing is in scope
    fulfilment: dict[str, float | None]  # per level
    level: int  # 0..5


@dataclass(frozen=True)
class ModuleProgress:
    """One applicable module of a municipality now: its in-scope measures, all levels together."""

    module_code: str
    in_scope: int
    counts: dict[str, int]
    coverage: float | None
    fulfilment: float | None


@dataclass(frozen=True)
class DashboardRow:
    municipality_id: int
    ehak_code: str
    name: str
    kind: str
    county: str
    approach: str
    current: Maturity
    previous: Maturity | None  # at the end of previous_quarter; None if nothing was recorded by then
    previous_quarter: str

    @property
    def delta_level(self) -> int | None:
        return None if self.previous is None else self.current.level - self.previous.level

    @property
    def delta_basic(self) -> float | None:
        """Change of basic fulfilment since the previous quarter, as a fraction (+0.12 = 12 points)."""
        if self.previous is None:
            return None
        now, before = self.current.fulfilment["basic"], self.previous.fulfilment["basic"]
        return None if now is None or before is None else now - before
