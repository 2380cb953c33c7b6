"""Build a quarterly report's data from the status history: the numbers of the quarter's end, not today's.

Everything comes from ``tracking.maturity_series`` (statuses at each of the last eight quarter ends,
one pass over the history), ``reporting.details`` (plan fields of then), the mentor network's records
of the quarter, and the catalogue. Who reads decides what is in it: a municipality appears when the
reader may see its summary, with its gaps, plan and sessions only when the reader may see its details.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from statistics import fmean

from sqlalchemy import or_, select
from sqlmodel import Session

from eits_tracker.access import access_of
from eits_tracker.db import models as m
from eits_tracker.mentoring.activity import mentoring_activity
from eits_tracker.reporting.details import PLAN_FIELDS, SUMMARY_FIELDS, plan_fields_as_of
from eits_tracker.reporting.model import (
    LAYERS,
    CountyRow,
    FollowUpRow,
    Fulfilment,
    MeasureRow,
    MunicipalityReport,
    QuarterReport,
    SessionRow,
    UnmetMeasure,
    code_key,
)
from eits_tracker.text import estonian_key, slugify
from eits_tracker.timeutil import TALLINN, as_utc, utcnow
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking.maturity_load import _cols
from eits_tracker.tracking.maturity_series import MeasureState, measure_states, series
from eits_tracker.tracking.vocab import STATUSES

Progress = Callable[[str, float], None]
TREND_QUARTERS = 8
_UNFULFILLED = ("not_assessed", "not_implemented", "partial")
_EXCLUDED = ("not_applicable", "risk_accepted")


def normalise_quarter(quarter: str) -> str:
    year, q = mat._parse_quarter(quarter)
    return f"{year}Q{q}"


def trend_quarters(quarter: str, n: int = TREND_QUARTERS) -> list[str]:
    out = [normalise_quarter(quarter)]
    while len(out) < n:
        out.append(mat.previous_quarter(out[-1]))
    return out[::-1]


def _tally(code: str, title: str, states: Iterable[MeasureState]) -> Fulfilment:
    """A layer's or module's figures, by the maturity model's own counting (``maturity._Tally``)."""
    tally = mat._Tally()
    for s in states:
        tally.add(s.level, s.status)
    return Fulfilment(
        code=code,
        title=title,
        in_scope=sum(tally.in_scope().values()),
        counts=tally.counts(),
        fulfilment=tally.fulfilment(),
        coverage=tally.coverage(),
    )


class _Catalogue:
    """Titles of measures, modules and layers and the KOV profile's priorities, by code (latest edition wins)."""

    def __init__(self, session: Session) -> None:
        conn = session.connection()
        me, mo, la, pp, pr = (_cols(t) for t in (m.Measure, m.Module, m.Layer, m.ProfilePriority, m.Profile))
        self.measure: dict[str, str] = {}
        self.module: dict[str, str] = {}
        self.layer_of: dict[str, str] = {}
        self.layer: dict[str, str] = {}
        self.priority: dict[str, str] = {}
        for code, title in conn.execute(select(me.code, me.title).order_by(me.edition_id, me.id)):
            self.measure[code] = title
        for code, title, layer in conn.execute(select(mo.code, mo.title, mo.layer_code).order_by(mo.edition_id)):
            self.module[code] = title
            self.layer_of[code] = layer.split(".")[0]
        for code, title in conn.execute(
            select(la.code, la.title).where(la.parent_code.is_(None)).order_by(la.edition_id)
        ):
            self.layer[code] = title
        kov = select(pp.measure_code, pp.priority).join(m.Profile, pr.id == pp.profile_id).where(pr.key == "kov")
        for code, priority in conn.execute(kov.order_by(pr.edition_id)):
            self.priority[code] = priority


def build_report(
    session: Session,
    quarter: str,
    *,
    municipality_ids: Iterable[int] | None = None,
    thresholds: mat.Thresholds = mat.DEFAULT_THRESHOLDS,
    plan: bool = True,
    generated_at: datetime | None = None,
    progress: Progress | None = None,
) -> QuarterReport:
    """The report of ``quarter`` ("2026Q3"). ``plan=False`` skips the per-target plan rows (Markdown only)."""
    step = progress or (lambda _what, _share: None)
    q = normalise_quarter(quarter)
    quarters = trend_quarters(q)
    ends = {x: mat.quarter_end(x) for x in quarters}
    end, start = ends[q], ends[quarters[-2]]
    access = access_of(session)
    mu = _cols(m.Municipality)
    wanted = None if municipality_ids is None else set(municipality_ids)
    rows = session.connection().execute(
        select(mu.id, mu.ehak_code, mu.name, mu.kind, mu.county, mu.approach, mu.edition_id)
    )
    meta = {r[0]: r for r in rows if (wanted is None or r[0] in wanted) and access.can_read_summary(r[0])}
    ids = sorted(meta)
    step("history", 0.1)
    found = series(session, ends.values(), municipality_ids=ids, thresholds=thresholds)
    step("measures", 0.4)
    states = measure_states(found.loaded, found.statuses[end], end)
    catalogue = _Catalogue(session)
    editions = dict(session.connection().execute(select(_cols(m.Edition).id, _cols(m.Edition).key)).all())
    detailed = sorted(access.readable(ids))
    names = PLAN_FIELDS if plan else SUMMARY_FIELDS
    fields = plan_fields_as_of(session, detailed, end, names, summary=not plan) if detailed else {}
    targets = dict(
        session.connection()
        .execute(
            select(_cols(m.TargetObject).id, _cols(m.TargetObject).name).where(
                _cols(m.TargetObject).municipality_id.in_(detailed)
            )
        )
        .all()
    )
    step("mentoring", 0.6)
    sessions, followups = _mentoring_rows(session, detailed, start, end)

    reports: list[MunicipalityReport] = []
    detailed_ids = set(detailed)
    by_muni = {mu_.id: mu_ for mu_ in found.loaded.munis}
    for mid in ids:
        _id, ehak, name, kind, county, approach, _edition = meta[mid]
        maturity = found.maturity[end][mid]
        previous = found.maturity[start][mid] if found.recorded(mid, start) else None
        eid = by_muni[mid].edition_at(end)
        report = MunicipalityReport(
            id=mid,
            ehak_code=ehak,
            name=name,
            kind=kind,
            county=county,
            approach=approach,
            edition=editions.get(eid, "") if eid is not None else "",
            slug=f"{ehak}-{slugify(name)}",
            maturity=maturity,
            previous=previous,
            recorded=found.recorded(mid, end),
            trend=[(x, found.maturity[ends[x]][mid] if found.recorded(mid, ends[x]) else None) for x in quarters],
            detailed=mid in detailed_ids,
        )
        mine = states[mid]
        by_layer: dict[str, list[MeasureState]] = defaultdict(list)
        by_module: dict[str, list[MeasureState]] = defaultdict(list)
        for s in mine:
            by_module[s.module_code].append(s)
            by_layer[catalogue.layer_of.get(s.module_code, s.module_code.split(".")[0])].append(s)
        report.layers = [
            _tally(code, catalogue.layer.get(code, code), by_layer[code])
            for code in sorted(by_layer, key=lambda c: (LAYERS.index(c) if c in LAYERS else len(LAYERS), c))
        ]
        report.modules = [_tally(code, catalogue.module.get(code, code), group) for code, group in by_module.items()]
        if report.detailed:
            _details(report, mine, fields, targets, catalogue, plan=plan)
            report.statuses = {s.code: s.status for s in mine}
            report.sessions = sessions.get(mid, [])
            report.followups = followups.get(mid, [])
        reports.append(report)
    step("association", 0.8)
    return _association(session, q, quarters, start, end, reports, states, catalogue, access, thresholds, generated_at)


def _row(state: MeasureState, tid: int, status: str, target: str, plan: dict, catalogue: _Catalogue) -> MeasureRow:
    values = plan.get((tid, state.code))
    extra = {} if values is None else {k: v for k, v in values.items() if k != "needs_review"}
    code = state.code
    title, priority = catalogue.measure.get(code, ""), catalogue.priority.get(code, "")
    return MeasureRow(code, title, state.module_code, state.level, status, target, profile_priority=priority, **extra)


def _details(
    report: MunicipalityReport,
    mine: list[MeasureState],
    fields: dict,
    targets: dict[int, str],
    catalogue: _Catalogue,
    *,
    plan: bool,
) -> None:
    gaps, excluded, review, rows = [], [], [], []
    for s in mine:
        for tid, status in s.targets:
            name = targets.get(tid, "")
            values = fields.get((tid, s.code), {})
            row = None
            if plan:
                row = _row(s, tid, status, name, fields, catalogue)
                rows.append(row)
            if s.level == "basic" and status in _UNFULFILLED:
                gaps.append(row or _row(s, tid, status, name, fields, catalogue))
            if status in _EXCLUDED:
                excluded.append(row or _row(s, tid, status, name, fields, catalogue))
            if values.get("needs_review"):
                review.append(row or _row(s, tid, status, name, fields, catalogue))
    far = datetime.max.date()
    report.gaps = sorted(gaps, key=lambda r: (r.due_date or far, r.code, r.target))
    report.excluded = excluded
    report.review = review
    report.plan = rows


def _mentoring_rows(
    session: Session, ids: list[int], start: datetime, end: datetime
) -> tuple[dict[int, list[SessionRow]], dict[int, list[FollowUpRow]]]:
    """The quarter's sessions per municipality, and its follow-ups: opened in it or still open at its end."""
    ms, fu, pe = (_cols(t) for t in (m.MentorSession, m.FollowUp, m.Person))
    conn = session.connection()
    sessions: dict[int, list[SessionRow]] = defaultdict(list)
    followups: dict[int, list[FollowUpRow]] = defaultdict(list)
    if not ids:
        return sessions, followups
    held = (
        select(ms.municipality_id, ms.held_at, pe.name, ms.format, ms.duration_minutes, ms.modules, ms.notes)
        .join(m.Person, pe.id == ms.mentor_id)
        .where(ms.municipality_id.in_(ids), ms.held_at >= start, ms.held_at < end)
        .order_by(ms.held_at, ms.id)
    )
    for mid, held_at, mentor, fmt, minutes, modules, notes in conn.execute(held):
        day = as_utc(held_at).astimezone(TALLINN).date()
        sessions[mid].append(SessionRow(day, mentor, fmt, minutes, tuple(modules or ()), notes or ""))
    last_day = (end.astimezone(TALLINN)).date()
    relevant = (
        select(fu.municipality_id, fu.description, fu.measure_code, fu.owner, fu.due_date, fu.state, fu.closed_at)
        .where(fu.municipality_id.in_(ids), fu.created_at < end)
        .where(or_(fu.created_at >= start, fu.closed_at.is_(None), fu.closed_at >= start))
        .order_by(fu.due_date, fu.id)
    )
    for mid, text, code, owner, due, state, closed_at in conn.execute(relevant):
        closed_then = closed_at is not None and as_utc(closed_at) < end
        then = state if closed_then else "open"
        followups[mid].append(FollowUpRow(text, code or "", owner, due, then, then == "open" and due < last_day))
    return sessions, followups


def _rank(reports: list[MunicipalityReport]) -> list[MunicipalityReport]:
    def key(r: MunicipalityReport) -> tuple:
        basic = r.maturity.fulfilment.get("basic")
        return (-r.maturity.level, -(round(basic, 4) if basic is not None else -1), estonian_key(r.name))

    ordered = sorted(reports, key=key)
    previous_key, rank = None, 0
    for position, r in enumerate(ordered, 1):
        k = key(r)[:2]
        if k != previous_key:
            rank, previous_key = position, k
        r.rank = rank
    return ordered


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None


def _association(
    session: Session,
    q: str,
    quarters: list[str],
    start: datetime,
    end: datetime,
    reports: list[MunicipalityReport],
    states: dict[int, list[MeasureState]],
    catalogue: _Catalogue,
    access: object,
    thresholds: mat.Thresholds,
    generated_at: datetime | None,
) -> QuarterReport:
    ordered = sorted(reports, key=lambda r: (estonian_key(r.name), r.id))
    ranking = _rank(list(reports))
    moved = [r for r in reports if r.previous is not None]

    def move(r: MunicipalityReport) -> tuple[float, float]:
        return (r.delta("level") or 0, r.delta("basic") or 0)

    up = sorted((r for r in moved if move(r) > (0, 0)), key=lambda r: (-move(r)[0], -move(r)[1], estonian_key(r.name)))
    down = sorted((r for r in moved if move(r) < (0, 0)), key=lambda r: (move(r)[0], move(r)[1], estonian_key(r.name)))
    counties = []
    for county in sorted({r.county for r in reports}, key=estonian_key):
        members = [r for r in reports if r.county == county]
        counties.append(
            CountyRow(
                county=county,
                municipalities=len(members),
                mean_basic=_mean(r.maturity.fulfilment.get("basic") for r in members),
                mean_level=fmean(r.maturity.level for r in members),
                levels=dict(Counter(r.maturity.level for r in members)),
            )
        )
    unmet: Counter[str] = Counter()
    in_scope: Counter[str] = Counter()
    module_of: dict[str, str] = {}
    for r in reports:
        for s in states[r.id]:
            if catalogue.priority.get(s.code) == "P1":
                in_scope[s.code] += 1
                module_of[s.code] = s.module_code
                if s.status in _UNFULFILLED:
                    unmet[s.code] += 1
    unmet_p1 = [
        UnmetMeasure(code, catalogue.measure.get(code, ""), module_of[code], n, in_scope[code])
        for code, n in sorted(unmet.items(), key=lambda kv: (-kv[1], code_key(kv[0])))[:15]
    ]
    mentoring = None
    if getattr(access, "reads_all", False):
        mentoring = mentoring_activity(session, start=start, end=end, thresholds=thresholds, progress=False)
    recorded = [r for r in reports if r.recorded]
    status_totals: Counter[str] = Counter()
    for r in reports:
        status_totals.update(r.maturity.counts)
    before = [r for r in reports if r.previous is not None]
    # Means are over the municipalities with statuses by then; a change is the mean of the
    # municipalities' own changes (those with statuses at both ends), so a newcomer does not move it.
    totals = {
        "municipalities": len(reports),
        "recorded": len(recorded),
        "previous_recorded": len(before),
        "mean_basic": _mean(r.maturity.fulfilment.get("basic") for r in recorded),
        "mean_standard": _mean(r.maturity.fulfilment.get("standard") for r in recorded),
        "mean_coverage": _mean(r.maturity.coverage for r in recorded),
        "mean_level": _mean(r.maturity.level for r in recorded),
        "previous_mean_basic": _mean(r.previous.fulfilment.get("basic") for r in before if r.previous),
        "previous_mean_standard": _mean(r.previous.fulfilment.get("standard") for r in before if r.previous),
        "previous_mean_coverage": _mean(r.previous.coverage for r in before if r.previous),
        "previous_mean_level": _mean(r.previous.level for r in before if r.previous),
        "change_basic": _mean(r.delta("basic") for r in before),
        "change_standard": _mean(r.delta("standard") for r in before),
        "change_coverage": _mean(r.delta("coverage") for r in before),
        "change_level": _mean(r.delta("level") for r in before),
        "basic_reached": sum(r.maturity.level >= 4 for r in reports),
        "standard_reached": sum(r.maturity.level >= 5 for r in reports),
        "counts": {s: status_totals[s] for s in STATUSES},
    }
    return QuarterReport(
        quarter=q,
        previous_quarter=quarters[-2],
        start=start,
        end=end,
        generated_at=as_utc(generated_at) if generated_at else utcnow(),
        thresholds=tuple(thresholds),  # type: ignore[arg-type]
        quarters=quarters,
        municipalities=ordered,
        ranking=ranking,
        distribution=dict(Counter(r.maturity.level for r in reports)),
        previous_distribution=dict(Counter(r.previous.level for r in reports if r.previous)),
        movers_up=up[:10],
        movers_down=down[:10],
        counties=counties,
        unmet_p1=unmet_p1,
        mentoring=mentoring,
        totals=totals,
        layer_titles={code: catalogue.layer.get(code, code) for code in LAYERS},
    )
