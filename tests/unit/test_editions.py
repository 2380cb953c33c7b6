"""Edition diff and moving a municipality's work from E-ITS 2023 to 2024."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.catalog.diff import diff_editions
from eits_tracker.catalog.queries import find_edition
from eits_tracker.db import models as m
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.editions import migrate_municipality
from eits_tracker.tracking.statuses import history, set_status, status_overview


def test_diff_added_and_removed_match_the_raw_sources(session: Session, sources: Path) -> None:
    """Computed independently of the importers: the measure codes in the two raw files."""
    old_codes = {
        ms["code"]
        for mod in json.loads((sources / "eits-2023/api-v2-modules-and-measures.json").read_text())
        for ms in mod["measures"]
    }
    new_codes = {r["mid"] for r in json.loads((sources / "eits-2024/measures-flat.json").read_text())}
    d = diff_editions(session, find_edition(session, "2023"), find_edition(session, "2024"))
    assert {c.code for c in d.added} == new_codes - old_codes
    assert {c.code for c in d.removed} == old_codes - new_codes
    assert len(d.changed) + d.unchanged == len(old_codes & new_codes)
    assert any("level" in c.fields for c in d.changed)
    # Pinned from the shipped editions: a formatting-only or "(C-I-A)"-suffix difference must not count.
    assert (len(d.added), len(d.removed), len(d.changed), d.unchanged) == (42, 11, 147, 1613)


def _on_2023(session: Session, name: str) -> m.Municipality:
    mu = munis.find_municipality(session, name)
    mu.edition_id = find_edition(session, "2023").id
    session.add(mu)
    session.flush()
    return mu


def test_migration_keeps_flags_archives_and_adds(session: Session) -> None:
    old, new = find_edition(session, "2023"), find_edition(session, "2024")
    d = diff_editions(session, old, new)
    mu = _on_2023(session, "Viljandi linn")
    unchanged_code = next(code for code in ("ISMS.1.M1", "ORP.4.M1") if code not in {c.code for c in d.changed})
    changed = next(c for c in d.changed if "level" in c.fields)
    removed = d.removed[0]
    for code, status in ((unchanged_code, "implemented"), (changed.code, "partial"), (removed.code, "not_implemented")):
        module = code.rsplit(".M", 1)[0]
        munis.set_module_applicability(session, mu, module, applicable=True, reason="", actor="t")
        set_status(session, municipality=mu, measure_code=code, status=status, actor="t", note=f"before {code}")
    session.commit()
    rows_before = session.scalar(select(func.count()).select_from(m.MeasureStatus))

    result = migrate_municipality(session, mu, new, actor="t", diff=d)
    session.commit()
    assert (result.kept, result.flagged, result.archived, result.added) == (1, 1, 1, len(d.added))
    assert session.scalar(select(func.count()).select_from(m.MeasureStatus)) == rows_before  # nothing deleted
    assert munis.edition_of(session, mu).key == "2024"

    by_code = {r.code: r for r in status_overview(session, mu, applicable_only=False)}
    assert by_code[unchanged_code].status == "implemented" and not by_code[unchanged_code].needs_review
    assert by_code[changed.code].status == "partial" and by_code[changed.code].needs_review
    assert removed.code not in by_code
    assert by_code[d.added[0].code].status == "not_assessed"
    # History stays attached: the earlier change plus the migration note.
    h = history(session, mu, changed.code)
    assert [x.source for x in h] == ["cli", "migration"] and "review" in h[-1].note
    archived = session.scalars(
        select(m.MeasureStatus)
        .join(m.Measure, m.Measure.id == m.MeasureStatus.measure_id)
        .where(m.Measure.code == removed.code, m.MeasureStatus.archived)
    ).all()
    assert len(archived) == 1 and archived[0].status == "not_implemented"
    # Migrating again is a no-op.
    assert migrate_municipality(session, mu, new, actor="t").skipped
