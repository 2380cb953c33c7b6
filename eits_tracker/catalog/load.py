"""Load a native catalogue edition into the database (one transaction, Core inserts for speed)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlmodel import Session

from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.db import models as m
from eits_tracker.errors import CatalogError
from eits_tracker.timeutil import utcnow


def load_edition(session: Session, cat: CatalogEdition) -> m.Edition:
    """Insert an edition with its layers, modules, measures, threats and profiles.

    The caller commits. An edition already loaded with the same checksum is left
    alone; a different edition under the same key is refused, because statuses
    point at its measures: load it under another key and migrate municipalities.
    """
    info = cat.edition
    existing = session.scalars(select(m.Edition).where(m.Edition.key == info.key)).first()
    if existing is not None:
        if existing.sha256 == (info.sha256 or cat.content_sha256()):
            return existing
        raise CatalogError(
            f"edition {info.key!r} is already loaded with different content (sha256 {existing.sha256[:12]}…). "
            "Statuses refer to its measures, so it is never overwritten: give the new file another "
            "edition key and move municipalities with 'status migrate'."
        )
    edition = m.Edition(
        key=info.key,
        standard=info.standard,
        year=info.year,
        title=info.title,
        language=info.language,
        valid_from=info.valid_from,
        valid_to=info.valid_to,
        source=info.source,
        attribution=info.attribution,
        sha256=info.sha256 or cat.content_sha256(),
        notes=list(info.notes),
        loaded_at=utcnow(),
    )
    session.add(edition)
    session.flush()
    eid = edition.id
    conn = session.connection()
    conn.execute(
        insert(m.Layer),
        [
            {"edition_id": eid, "code": x.code, "title": x.title, "kind": x.kind, "parent_code": x.parent}
            for x in cat.layers
        ],
    )
    conn.execute(
        insert(m.Module),
        [
            {
                "edition_id": eid,
                "code": x.code,
                "title": x.title,
                "layer_code": x.layer,
                "subgroup_code": x.subgroup,
                "kind": x.kind,
                "purpose": x.purpose,
                "responsibility": x.responsibility,
                "limits": x.limits,
            }
            for x in cat.modules
        ],
    )
    module_ids = dict(conn.execute(select(m.Module.code, m.Module.id).where(m.Module.edition_id == eid)).all())  # type: ignore[arg-type]
    if cat.measures:
        conn.execute(
            insert(m.Measure),
            [
                {
                    "edition_id": eid,
                    "module_id": module_ids[x.module],
                    "code": x.code,
                    "module_code": x.module,
                    "title": x.title,
                    "level": x.level,
                    "responsible": x.responsible,
                    "co_assignees": x.co_assignees,
                    "confidentiality": x.confidentiality,
                    "integrity": x.integrity,
                    "availability": x.availability,
                    "lifecycle": x.lifecycle,
                    "text": x.text,
                    "threats": x.threats,
                }
                for x in cat.measures
            ],
        )
    if cat.threats:
        conn.execute(
            insert(m.Threat),
            [{"edition_id": eid, "code": t.code, "title": t.title, "description": t.description} for t in cat.threats],
        )
    for p in cat.profiles:
        pid = conn.execute(insert(m.Profile).values(edition_id=eid, key=p.key, title=p.title)).inserted_primary_key[0]
        if p.priorities:
            conn.execute(
                insert(m.ProfilePriority),
                [
                    {"profile_id": pid, "measure_code": code, "priority": pr}
                    for code, pr in sorted(p.priorities.items())
                ],
            )
    return edition
