"""The demo's wiki: about 30 pages by the demo's mentors, every link resolving, and not a single status
figure different from a demo without it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from eits_tracker.db import models as m
from eits_tracker.db.setup import Database
from eits_tracker.tracking import maturity as mat
from eits_tracker.tracking.demo import generate
from eits_tracker.wiki import links as lk
from eits_tracker.wiki.pages import broken_links, catalogue

END = date(2026, 11, 27)


def test_demo_pages_are_linked_to_real_measures_and_change_no_status(db: Database) -> None:
    with db.session() as s:
        result = generate(s, seed=7, end=END)
        assert 25 <= result.wiki_pages <= 35
        pages = s.scalars(select(m.WikiPage).order_by(m.WikiPage.slug)).all()
        assert len(pages) == result.wiki_pages
        assert broken_links(s) == []
        cat = catalogue(s)
        mentors = {p.name: p.municipality_id for p in s.scalars(select(m.Person)) if "mentor" in p.roles}
        for page in pages:
            linked = [x for x in lk.links(page.body) if x.kind == "measure"] + page.measures
            assert linked, f"{page.slug} cites no measure"
            assert set(page.measures) <= cat.measures.keys() and set(page.modules) <= cat.modules.keys()
            assert mentors[page.author] == page.municipality_id, "written by a demo mentor, from their municipality"
            assert page.updated_at.date() <= END and lk.body_problems(page.body) == []
        assert sum(p.version > 1 for p in pages) >= 3, "some pages were improved later"
        assert len({p.author for p in pages}) >= 5
        snapshot = [(p.slug, p.author, p.updated_at, p.body) for p in pages]
        h = m.StatusHistory  # compared by content: PostgreSQL's sequences do not roll back with the data
        rows = select(h.target_object_id, h.measure_code, h.old_status, h.new_status, h.changed_at, h.source)
        history = sorted(s.execute(rows).all(), key=repr)
        levels = mat.maturity_all(s, at=mat.quarter_end("2026Q3"))
        s.rollback()
        plain = generate(s, seed=7, end=END, wiki=False)
        assert plain.wiki_pages == 0 and not s.scalars(select(m.WikiPage)).all()
        assert (plain.statuses, plain.history) == (result.statuses, result.history)
        assert sorted(s.execute(rows).all(), key=repr) == history
        assert mat.maturity_all(s, at=mat.quarter_end("2026Q3")) == levels
        s.rollback()
        generate(s, seed=7, end=END)
        again = [
            (p.slug, p.author, p.updated_at, p.body) for p in s.scalars(select(m.WikiPage).order_by(m.WikiPage.slug))
        ]
        assert again == snapshot, "deterministic"
