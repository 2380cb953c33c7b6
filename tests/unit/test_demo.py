"""Demo data: deterministic, realistic and consistent with the status rules and the history."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.db.setup import Database
from eits_tracker.timeutil import local
from eits_tracker.tracking.demo import generate, quarter_ends


def _fingerprint(session: Session) -> str:
    rows = session.execute(
        select(
            m.StatusHistory.measure_code,
            m.StatusHistory.municipality_id,
            m.StatusHistory.new_status,
            m.StatusHistory.changed_at,
        ).order_by(m.StatusHistory.municipality_id, m.StatusHistory.measure_code, m.StatusHistory.changed_at)
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_quarters_end_at_midnight_tallinn() -> None:
    qs = quarter_ends(date(2026, 11, 27))
    assert [q[0] for q in qs] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert qs[6][2].isoformat() == "2026-09-30T21:00:00+00:00"  # 24:00 on 30 Sept in Tallinn (EEST)


def test_demo_is_deterministic_and_consistent(db: Database) -> None:
    with db.session() as s:
        result = generate(s, seed=7, end=date(2026, 11, 27))
        s.commit()
        assert result.municipalities == 79
        assert result.statuses > 79 * 300 and result.history >= result.statuses
        first = _fingerprint(s)
        # Every municipality has some progress, and not all have the same.
        per = s.execute(
            select(m.StatusHistory.municipality_id, func.count()).group_by(m.StatusHistory.municipality_id)
        ).all()
        assert len(per) == 79 and len({n for _, n in per}) > 40
        # The rules hold.
        bad_na = s.scalar(
            select(func.count())
            .select_from(m.MeasureStatus)
            .where(m.MeasureStatus.status == "not_applicable", m.MeasureStatus.justification == "")
        )
        basic_risk = s.scalar(
            select(func.count())
            .select_from(m.MeasureStatus)
            .join(m.Measure)
            .where(m.MeasureStatus.status == "risk_accepted", m.Measure.level == "basic")
        )
        assert bad_na == 0 and basic_risk == 0
        # The current status is the last history row of each status.
        last = s.execute(
            select(m.StatusHistory.status_id, m.StatusHistory.new_status, m.StatusHistory.changed_at).order_by(
                m.StatusHistory.status_id, m.StatusHistory.changed_at
            )
        ).all()
        final = {sid: st for sid, st, _ in last}
        current = dict(s.execute(select(m.MeasureStatus.id, m.MeasureStatus.status)).all())
        assert final == current
        # Rows written by the fast path read back through the ORM with their proper types.
        partial = s.scalars(select(m.MeasureStatus).where(m.MeasureStatus.status == "partial")).first()
        assert partial is not None and isinstance(partial.due_date, date) and partial.owner
        assert partial.updated_at.tzinfo is not None and partial.evidence == [] and partial.archived is False
        # History lies inside the eight quarters.
        lo, hi = s.execute(select(func.min(m.StatusHistory.changed_at), func.max(m.StatusHistory.changed_at))).one()
        assert local(lo).year == 2025 and local(hi).date() <= date(2026, 11, 27)
    # Same seed on a second database: identical.
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database

    other_url = (
        str(db.engine.url).replace("eits.sqlite3", "other.sqlite3") if db.engine.dialect.name == "sqlite" else None
    )
    if other_url:
        other = open_database(load_settings(database_url=other_url))
        with other.session() as s2:
            generate(s2, seed=7, end=date(2026, 11, 27))
            s2.commit()
            assert _fingerprint(s2) == first
        other.engine.dispose()
