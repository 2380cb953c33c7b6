"""The demo wiki: about 30 best-practice pages by the demo's mentors, linked to real measures.

A step of its own after the status data and the mentor network: it reads people, writes only wiki
tables, so every status, history row and maturity figure is the same with or without it.
Deterministic for a seed and end date: authors, municipalities and times come from a seeded random.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.timeutil import TALLINN
from eits_tracker.wiki.demo_pages import PAGES
from eits_tracker.wiki.pages import PageInput, catalogue, create_page, update_page


def generate_wiki(session: Session, *, seed: int, end: date, actor: str = "demo") -> int:
    """Write the demo pages (the caller commits); returns how many."""
    rng = random.Random(f"{seed}:wiki")
    people = session.execute(
        select(m.Person.name, m.Person.municipality_id, m.Person.roles).order_by(m.Person.id)  # type: ignore[call-overload]
    ).all()
    writers = [(name, muni) for name, muni, roles in people if "mentor" in roles and muni is not None]
    if not writers:
        writers = [("ELVL infoturbe spetsialist", None)]
    cat = catalogue(session)

    def office_hours(first: date) -> datetime:
        """A working moment (8:00–17:00 Tallinn) on a day from ``first`` to ``end``."""
        day = first + timedelta(days=rng.randrange(max(1, (end - first).days)))
        moment = time(8 + rng.randrange(9), rng.randrange(60))
        return datetime.combine(day, moment, TALLINN).astimezone(UTC)

    for title, tags, modules, measures, body in PAGES:
        author, municipality = rng.choice(writers)
        created = office_hours(end - timedelta(days=540))
        page = create_page(
            session,
            PageInput(title, body, tags, modules, measures),
            actor=actor,
            author=author,
            municipality_id=municipality,
            now=created,
            cat=cat,
        )
        if rng.random() < 0.35:  # some pages were improved later by another mentor
            edited = max(created + timedelta(hours=1), office_hours(created.astimezone(TALLINN).date()))
            editor, _muni = rng.choice(writers)
            addition = f"\n\n*Täiendus ({editor}): sama lahendus töötas ka meil; jagame kogemust kohtumisel.*"
            update_page(
                session,
                page.slug,
                PageInput(title, body + addition, tags, modules, measures),
                actor=actor,
                expected_version=1,
                now=edited,
                cat=cat,
            )
    session.flush()
    return len(PAGES)
