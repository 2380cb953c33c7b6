"""A small deterministic database for the quarterly report tests, and an independent reading of it.

The seed (four municipalities, fixed timestamps) is worked out by hand in the comments below. The
reading (:class:`Oracle`) computes the maturity model from the raw tables with its own queries and
plain Python: it never calls ``eits_tracker.tracking.maturity*`` or ``eits_tracker.reporting``, so the
report is checked against a second implementation of the rules, not against itself.

    Kihnu vald  basic,    CON.6 ORP.5 (process) + INF.10 (system) on rooms A (from Feb) and B (from Aug)
    Ruhnu vald  standard, CON.6 ORP.5 + CON.8 added by an override (not in the KOV profile)
    Muhu vald   standard, CON.6 only, everything implemented in 2026Q3 (level 5, nothing before)
    Vormsi vald basic,    the whole KOV profile, no status ever (not recorded)

At the end of 2026Q3 Kihnu is at basic 6/7 (level 3; ORP.5.M1 not applicable), at the end of 2026Q2
at 4/7 (level 2); Ruhnu at 13.5/14 (level 3) after 7.5/14 (level 2), with CON.6.M4 risk accepted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from statistics import fmean
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.mentoring.assignments import assign
from eits_tracker.mentoring.people import add_person
from eits_tracker.mentoring.sessions import NewFollowUp, SessionInput, record_session
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status

TLN = ZoneInfo("Europe/Tallinn")
STATUSES = ("not_assessed", "implemented", "partial", "not_implemented", "not_applicable", "risk_accepted")
LEVELS = ("basic", "standard", "high")
EXCLUDED = ("not_applicable", "risk_accepted")
UNMET = ("not_assessed", "not_implemented", "partial")
SCORE = {"implemented": 1.0, "partial": 0.5}
GENERATED = datetime(2026, 10, 5, 8, 30, tzinfo=UTC)
RISK = dict(
    justification="kulu ei ole proportsionaalne",
    approved_by="Vallavanem",
    approval_date="2026-02-01",
    decision_ref="Korraldus nr 7",
    review_date="2027-02-01",
)
NOTES = (
    "Arutasime varundust ja ruumide turvet.\n"
    "<script>alert(1)</script>\n"
    "<img src=x onerror=alert(1)>\n"
    "[x](javascript:alert(1))\n"
    '<iframe src="https://evil.example/"></iframe>'
)


def quarter_end(label: str) -> datetime:
    """24:00 Tallinn time on the quarter's last day, in UTC ("2026Q3" → 2026-09-30 21:00 UTC)."""
    year, q = int(label[:4]), int(label[-1])
    month = 3 * q
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return datetime.combine(first_of_next, time(0), TLN).astimezone(UTC)


def quarters_until(label: str, n: int = 8) -> list[str]:
    """The n quarters ending with ``label``, oldest first."""
    year, q = int(label[:4]), int(label[-1])
    out = []
    for _ in range(n):
        out.append(f"{year}Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out[::-1]


def utc(y: int, mo: int, d: int, h: int = 9, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


# --- the seed ---------------------------------------------------------------------------


@dataclass
class Seeded:
    kihnu: int
    ruhnu: int
    muhu: int
    vormsi: int
    room_a: int
    room_b: int
    default_kihnu: int

    @property
    def ids(self) -> list[int]:
        return [self.kihnu, self.ruhnu, self.muhu, self.vormsi]


def put(session: Session, mu: m.Municipality, code: str, status: str | None, at: datetime, **kw: Any) -> None:
    set_status(session, municipality=mu, measure_code=code, status=status, actor="seed", changed_at=at, **kw)


def _narrow(session: Session, mu: m.Municipality, keep: tuple[str, ...]) -> None:
    for code in sorted(munis.applicable_modules(session, mu) - set(keep)):
        munis.set_module_applicability(session, mu, code, applicable=False, reason="testi ulatus", actor="seed")


def seed(session: Session) -> Seeded:
    kihnu, ruhnu, muhu, vormsi = (
        munis.find_municipality(session, n) for n in ("Kihnu vald", "Ruhnu vald", "Muhu vald", "Vormsi vald")
    )
    _narrow(session, kihnu, ("CON.6", "ORP.5", "INF.10"))
    _narrow(session, ruhnu, ("CON.6", "ORP.5"))
    munis.set_module_applicability(session, ruhnu, "CON.8", applicable=True, reason="arendame ise", actor="seed")
    _narrow(session, muhu, ("CON.6",))
    for mu in (ruhnu, muhu):
        munis.set_approach(session, mu, "standard")
    session.commit()

    # Kihnu. INF.10 applies to the whole organisation until a room carries it.
    put(session, kihnu, "CON.6.M1", "implemented", utc(2025, 11, 10), owner="Vallasekretär")
    put(session, kihnu, "CON.6.M2", "partial", utc(2025, 11, 10))
    put(session, kihnu, "INF.10.M1", "implemented", utc(2025, 11, 10))
    put(session, kihnu, "INF.10.M3", "not_implemented", utc(2025, 11, 10))
    room_a = munis.add_target(session, kihnu, "Serveriruum A", "room", ["INF.10"])
    room_b = munis.add_target(session, kihnu, "Serveriruum B", "room", ["INF.10"])
    room_a.created_at, room_b.created_at = utc(2026, 2, 1), utc(2026, 8, 1, 8)
    session.add_all([room_a, room_b])
    a, b = room_a.name, room_b.name
    put(session, kihnu, "ORP.5.M1", "not_applicable", utc(2026, 2, 10), justification="personalitööd teeb vald X")
    put(session, kihnu, "CON.6.M11", "not_implemented", utc(2026, 2, 10))
    put(session, kihnu, "INF.10.M1", "implemented", utc(2026, 2, 10), target=a)
    put(session, kihnu, "CON.6.M2", "implemented", utc(2026, 5, 5))
    put(session, kihnu, "CON.6.M12", "partial", utc(2026, 5, 5), owner="IT-juht", due_date="2026-12-31")
    put(session, kihnu, "INF.10.M3", "partial", utc(2026, 5, 5), target=a)
    put(session, kihnu, "INF.10.M9", "implemented", utc(2026, 5, 5), target=a)  # high: chosen on room A
    put(session, kihnu, "ORP.5.M2", "implemented", utc(2026, 8, 1, 10))
    put(session, kihnu, "INF.10.M1", "partial", utc(2026, 8, 1, 10), target=b)
    put(session, kihnu, "INF.10.M3", "implemented", utc(2026, 8, 1, 10), target=a)
    put(session, kihnu, "CON.6.M11", "implemented", utc(2026, 8, 1, 10))
    put(session, kihnu, "CON.6.M14", "partial", utc(2026, 9, 30, 20, 59, 59))  # high, a second before the end
    # At 24:00 exactly: changed_at <= end, so still 2026Q3.
    put(session, kihnu, "INF.10.M3", "not_applicable", quarter_end("2026Q3"), target=b, justification="kaableid pole")
    # After the quarter: a later report shows these, 2026Q3 must not.
    put(session, kihnu, "CON.6.M12", "implemented", utc(2026, 10, 15), owner="Vallavanem", due_date="2027-03-31")
    put(session, kihnu, "CON.6.M1", "not_implemented", utc(2026, 10, 15))
    put(session, kihnu, "INF.10.M1", "implemented", utc(2026, 10, 15), target=b)

    # Ruhnu, standard approach.
    put(session, ruhnu, "CON.6.M1", "implemented", utc(2025, 5, 10))
    put(session, ruhnu, "CON.8.M2", "implemented", utc(2026, 2, 10))
    put(session, ruhnu, "CON.8.M3", "partial", utc(2026, 2, 10), owner="Arendusjuht", due_date="2026-11-30")
    put(session, ruhnu, "CON.6.M4", "risk_accepted", utc(2026, 2, 10), **RISK)
    put(session, ruhnu, "ORP.5.M4", "implemented", utc(2026, 2, 10))
    for code in ("CON.6.M2", "CON.6.M11", "CON.6.M12", "ORP.5.M1", "ORP.5.M2"):
        put(session, ruhnu, code, "implemented", utc(2026, 5, 5))
    for code in ("CON.8.M5", "CON.8.M6", "CON.8.M7", "CON.8.M8", "CON.8.M10", "CON.8.M20"):
        put(session, ruhnu, code, "implemented", utc(2026, 8, 1))
    put(session, ruhnu, "CON.6.M8", "partial", utc(2026, 8, 1))
    put(session, ruhnu, "ORP.5.M5", "not_implemented", utc(2026, 8, 1))
    put(session, ruhnu, "CON.8.M3", "implemented", utc(2026, 10, 15), owner="Kantselei", due_date="2026-12-01")

    # Muhu: all of CON.6's basic and standard measures at once, in 2026Q3.
    for code in ("CON.6.M1", "CON.6.M2", "CON.6.M11", "CON.6.M12", "CON.6.M4", "CON.6.M8", "CON.6.M13"):
        put(session, muhu, code, "implemented", utc(2026, 7, 15))
    session.commit()

    # A mentor session in 2026Q3 whose notes try to smuggle HTML and a javascript: link.
    kadri = add_person(
        session, name="Kadri Tamm", email="kadri@tartu.ee", municipality="Tartu linn", roles=["mentor"], login="kadri"
    )
    assign(session, mentor=kadri, municipality=kihnu, start=date(2026, 7, 1), end=date(2026, 12, 31), actor="seed")
    record_session(
        session,
        SessionInput(
            municipality="Kihnu vald",
            held_at=datetime(2026, 8, 20, 10, tzinfo=TLN),
            duration_minutes=90,
            format="video",
            modules=["CON.6"],
            notes=NOTES,
            followups=[NewFollowUp(description="Varundusplaan kirja", due=date(2026, 9, 15), owner="IT-juht")],
        ),
        actor="kadri",
        now=utc(2026, 8, 20, 12),
    )
    session.commit()
    default = munis.default_target(session, kihnu)
    return Seeded(kihnu.id, ruhnu.id, muhu.id, vormsi.id, room_a.id, room_b.id, default.id)  # type: ignore[arg-type]


# --- the independent reading ---------------------------------------------------------------


def rollup(values: list[str]) -> str:
    """tracking/rollup.py's docstring, written again."""
    if not values or "not_assessed" in values:
        return "not_assessed"
    rest = [v for v in values if v != "not_applicable"]
    if not rest:
        return "not_applicable"
    if all(v == "implemented" for v in rest):
        return "implemented"
    if all(v in ("implemented", "risk_accepted") for v in rest):
        return "risk_accepted"
    if not any(v in ("implemented", "partial") for v in rest):
        return "not_implemented" if "not_implemented" in rest else "risk_accepted"
    return "partial"


class State(NamedTuple):
    code: str
    module: str
    level: str
    status: str  # rolled up
    targets: tuple[tuple[int, str], ...]


def tally(states: list[State]) -> dict[str, Any]:
    counts = {s: sum(x.status == s for x in states) for s in STATUSES}
    counted = [x for x in states if x.status not in EXCLUDED]
    return {
        "in_scope": len(states),
        "counts": counts,
        "fulfilment": sum(SCORE.get(x.status, 0.0) for x in counted) / len(counted) if counted else None,
        "coverage": (len(states) - counts["not_assessed"]) / len(states) if states else None,
    }


def level_of(basic: float | None, standard: float | None, thresholds: tuple[float, ...] = (0.25, 0.5, 0.75)) -> int:
    if basic is None:
        return 0
    if basic == 1.0:
        return 5 if standard == 1.0 else 4
    return sum(basic >= t for t in thresholds)


class Oracle:
    """Everything the model needs, read once with plain queries; evaluated at any moment in Python."""

    def __init__(self, session: Session, ids: list[int] | None = None) -> None:
        mu = m.Municipality
        self.muni = {
            r.id: r
            for r in session.execute(select(mu.id, mu.ehak_code, mu.name, mu.county, mu.approach, mu.edition_id))
            if ids is None or r.id in ids
        }
        self.ids = sorted(self.muni)
        editions = {r.edition_id for r in self.muni.values()}
        self.profile: dict[int, set[str]] = defaultdict(set)
        self.kov: dict[int, dict[str, str]] = defaultdict(dict)
        for eid, code, priority in session.execute(
            select(m.Profile.edition_id, m.ProfilePriority.measure_code, m.ProfilePriority.priority)
            .join(m.Profile, m.Profile.id == m.ProfilePriority.profile_id)
            .where(m.Profile.key == "kov")
        ):
            self.kov[eid][code] = priority
        self.modules: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)  # edition -> code -> (kind, layer)
        for eid, code, kind, layer in session.execute(
            select(m.Module.edition_id, m.Module.code, m.Module.kind, m.Module.layer_code)
        ):
            self.modules[eid][code] = (kind, layer)
        self.measures: dict[int, dict[str, list[tuple[int, str, str]]]] = defaultdict(lambda: defaultdict(list))
        for eid, mid, code, module, level in session.execute(
            select(m.Measure.edition_id, m.Measure.id, m.Measure.code, m.Measure.module_code, m.Measure.level)
        ):
            self.measures[eid][module].append((mid, code, level))
            if code in self.kov[eid]:
                self.profile[eid].add(module)
        for eid in editions:
            for module in self.measures[eid]:
                self.measures[eid][module].sort()
        self.overrides: dict[int, dict[str, bool]] = defaultdict(dict)
        for muni_id, code, ok in session.execute(
            select(
                m.ModuleApplicability.municipality_id,
                m.ModuleApplicability.module_code,
                m.ModuleApplicability.applicable,
            )
        ):
            self.overrides[muni_id][code] = bool(ok)
        self.default: dict[int, int] = {}
        self.created: dict[int, datetime] = {}
        self.target_name: dict[int, str] = {}
        to = m.TargetObject
        for tid, muni_id, is_default, created, name in session.execute(
            select(to.id, to.municipality_id, to.is_default, to.created_at, to.name)
        ):
            self.created[tid], self.target_name[tid] = created, name
            if is_default:
                self.default.setdefault(muni_id, tid)
        self.carriers: dict[tuple[int, str], list[int]] = defaultdict(list)
        for tid, muni_id, code in session.execute(
            select(m.TargetObjectModule.target_object_id, to.municipality_id, m.TargetObjectModule.module_code).join(
                to, to.id == m.TargetObjectModule.target_object_id
            )
        ):
            self.carriers[(muni_id, code)].append(tid)
        h = m.StatusHistory
        self.history: dict[int, list[tuple[datetime, int, int, str, str]]] = defaultdict(list)
        for row in session.execute(
            select(h.changed_at, h.id, h.municipality_id, h.target_object_id, h.measure_code, h.new_status)
        ):
            at, hid, muni_id, tid, code, status = row
            if muni_id in self.muni:
                self.history[muni_id].append((at, hid, tid, code, status))
        for rows in self.history.values():
            rows.sort(key=lambda r: (r[0], r[1]))
        self._memo: dict[tuple[int, datetime], list[State]] = {}

    def recorded(self, muni_id: int, at: datetime) -> bool:
        return any(r[0] <= at for r in self.history[muni_id])

    def applicable(self, muni_id: int) -> set[str]:
        eid = self.muni[muni_id].edition_id
        over = self.overrides[muni_id]
        return (self.profile[eid] | {c for c, ok in over.items() if ok}) - {c for c, ok in over.items() if not ok}

    def states(self, muni_id: int, at: datetime) -> list[State]:
        key = (muni_id, at)
        if key in self._memo:
            return self._memo[key]
        last: dict[tuple[int, str], str] = {}
        for changed, _hid, tid, code, status in self.history[muni_id]:
            if changed > at:
                break
            last[(tid, code)] = status
        row = self.muni[muni_id]
        allowed = ("basic",) if row.approach == "basic" else ("basic", "standard")
        default = self.default[muni_id]
        out = []
        for module in sorted(self.applicable(muni_id)):
            kind, _layer = self.modules[row.edition_id][module]
            tids = [default]
            if kind != "process":
                tids = [t for t in self.carriers[(muni_id, module)] if self.created[t] <= at] or [default]
            for _mid, code, level in self.measures[row.edition_id][module]:
                per = [last.get((t, code), "not_assessed") for t in tids]
                if level in allowed or (level == "high" and any(s != "not_assessed" for s in per)):
                    out.append(State(code, module, level, rollup(per), tuple(zip(tids, per, strict=True))))
        self._memo[key] = out
        return out

    def maturity(self, muni_id: int, at: datetime) -> dict[str, Any]:
        states = self.states(muni_id, at)
        fulfilment = {lv: tally([s for s in states if s.level == lv])["fulfilment"] for lv in LEVELS}
        whole = tally(states)
        return {
            "maturity_level": level_of(fulfilment["basic"], fulfilment["standard"]),
            "coverage": whole["coverage"],
            "fulfilment": fulfilment,
            "in_scope": {lv: sum(s.level == lv for s in states) for lv in LEVELS},
            "counts": whole["counts"],
        }

    def point(self, muni_id: int, at: datetime) -> dict[str, Any]:
        """A trend point: the numbers, or only ``maturity_level: None`` before the first status."""
        return self.maturity(muni_id, at) if self.recorded(muni_id, at) else {"maturity_level": None}

    def layer_of(self, muni_id: int, module: str) -> str:
        return self.modules[self.muni[muni_id].edition_id][module][1].split(".")[0]

    def expected_summary(self, quarter: str) -> dict[str, Any]:
        """The numbers of summary.json for ``quarter``, per municipality and for the association."""
        quarters = quarters_until(quarter)
        end, start = quarter_end(quarter), quarter_end(quarters[-2])
        per: dict[str, dict[str, Any]] = {}
        now = {mid: self.maturity(mid, end) for mid in self.ids}
        before = {mid: self.maturity(mid, start) if self.recorded(mid, start) else None for mid in self.ids}

        def key(mid: int) -> tuple[int, float]:
            basic = now[mid]["fulfilment"]["basic"]
            return (now[mid]["maturity_level"], -1.0 if basic is None else basic)

        for mid in self.ids:
            row, mine, prev = self.muni[mid], now[mid], before[mid]
            states = self.states(mid, end)
            deltas: dict[str, float | None] = dict.fromkeys(("level", "coverage", *LEVELS))
            if prev is not None:
                pairs = {"level": (mine["maturity_level"], prev["maturity_level"]),
                         "coverage": (mine["coverage"], prev["coverage"]),
                         **{lv: (mine["fulfilment"][lv], prev["fulfilment"][lv]) for lv in LEVELS}}  # fmt: skip
                deltas = {k: None if a is None or b is None else a - b for k, (a, b) in pairs.items()}
            by_layer, by_module = defaultdict(list), defaultdict(list)
            for s in states:
                by_module[s.module].append(s)
                by_layer[self.layer_of(mid, s.module)].append(s)
            per[row.ehak_code] = {
                "ehak_code": row.ehak_code,
                "name": row.name,
                "county": row.county,
                "approach": row.approach,
                "recorded": self.recorded(mid, end),
                "rank": 1 + sum(key(o) > key(mid) for o in self.ids),
                **mine,
                "previous": prev,
                "deltas": deltas,
                "layers": {code: tally(group) for code, group in by_layer.items()},
                "modules": {code: tally(group) for code, group in by_module.items()},
                "trend": [{"quarter": q, **self.point(mid, quarter_end(q))} for q in quarters],
                "gaps": sum(s.level == "basic" and st in UNMET for s in states for _t, st in s.targets),
                "excluded": sum(st in EXCLUDED for s in states for _t, st in s.targets),
            }
        recorded = [mid for mid in self.ids if self.recorded(mid, end)]

        def mean(values: list[float | None]) -> float | None:
            known = [v for v in values if v is not None]
            return fmean(known) if known else None

        totals = {
            "municipalities": len(self.ids),
            "recorded": len(recorded),
            "mean_basic": mean([now[i]["fulfilment"]["basic"] for i in recorded]),
            "mean_standard": mean([now[i]["fulfilment"]["standard"] for i in recorded]),
            "mean_coverage": mean([now[i]["coverage"] for i in recorded]),
            "mean_level": mean([now[i]["maturity_level"] for i in recorded]),
            "previous_mean_basic": mean([p["fulfilment"]["basic"] for p in before.values() if p]),
            "previous_mean_level": mean([p["maturity_level"] for p in before.values() if p]),
            "basic_reached": sum(now[i]["maturity_level"] >= 4 for i in self.ids),
            "standard_reached": sum(now[i]["maturity_level"] == 5 for i in self.ids),
            "counts": {s: sum(now[i]["counts"][s] for i in self.ids) for s in STATUSES},
        }
        dist = Counter(now[i]["maturity_level"] for i in self.ids)
        prev_dist = Counter(p["maturity_level"] for p in before.values() if p)
        unmet: Counter[str] = Counter()
        scoped: Counter[str] = Counter()
        for mid in self.ids:
            kov = self.kov[self.muni[mid].edition_id]
            for s in self.states(mid, end):
                if kov.get(s.code) == "P1":
                    scoped[s.code] += 1
                    unmet[s.code] += s.status in UNMET
        top = sorted(((c, n) for c, n in unmet.items() if n), key=lambda kv: (-kv[1], kv[0]))[:15]
        return {
            "quarter": quarter,
            "previous_quarter": quarters[-2],
            "quarter_end": end.isoformat(),
            "quarters": quarters,
            "totals": totals,
            "distribution": {str(lv): dist.get(lv, 0) for lv in range(6)},
            "previous_distribution": {str(lv): prev_dist.get(lv, 0) for lv in range(6)},
            "municipalities": per,
            "unmet_p1": [(c, n, scoped[c]) for c, n in top],
        }


def assert_close(actual: Any, expected: Any, path: str = "") -> None:
    """Equal, with floats within 1e-6 (summary.json rounds to six decimals); dicts key by key."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not a dict"
        assert set(actual) >= set(expected), f"{path}: missing {sorted(set(expected) - set(actual))}"
        for k, v in expected.items():
            assert_close(actual[k], v, f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, (int, float)) and abs(actual - expected) <= 1e-6, (
            f"{path}: {actual!r} != {expected!r}"
        )
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
