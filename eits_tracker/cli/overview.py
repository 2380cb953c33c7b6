"""The overview shown by ``eits-tracker`` without a command (until the terminal app exists)."""

from __future__ import annotations

import typer
from sqlalchemy import func, select

from eits_tracker.cli.common import print_table, state
from eits_tracker.db import models as m
from eits_tracker.db.engine import redact


def overview(ctx: typer.Context) -> None:
    db = state(ctx).db()
    with db.session() as s:
        print(f"eits-tracker — {redact(str(db.engine.url))}")
        editions = s.execute(
            select(m.Edition.key, m.Edition.title, func.count(m.Measure.id))
            .join(m.Measure, m.Measure.edition_id == m.Edition.id, isouter=True)
            .group_by(m.Edition.id)
            .order_by(m.Edition.key)
        ).all()
        print_table(
            [{"key": k, "title": t, "measures": n} for k, t, n in editions],
            [("key", "Edition"), ("title", "Title"), ("measures", "Measures")],
            title="Catalogue editions",
        )
        n_muni = s.scalar(select(func.count()).select_from(m.Municipality))
        per_status = dict(
            s.execute(
                select(m.MeasureStatus.status, func.count())
                .where(m.MeasureStatus.archived == False)  # noqa: E712
                .group_by(m.MeasureStatus.status)
            ).all()
        )
        n_hist = s.scalar(select(func.count()).select_from(m.StatusHistory))
        print(
            f"\n{n_muni} municipalities; recorded statuses: "
            + (", ".join(f"{k} {v}" for k, v in sorted(per_status.items())) or "none yet")
            + f"; {n_hist} history rows."
        )
        print(
            "\nNext: 'eits-tracker municipality list', 'eits-tracker status show 0793', "
            "'eits-tracker catalog list', 'eits-tracker --help'."
        )
