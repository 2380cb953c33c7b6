"""The audit trail: who changed what, when — from the append-only history tables and the
records that carry their author (status history, sessions, follow-ups, scope, edition moves,
permission changes), newest first, filtered to what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import access_of
from eits_tracker.db import models as m
from eits_tracker.timeutil import as_utc


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    kind: str  # status, session, follow-up, scope, edition, permission
    municipality: str
    what: str

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at, "who": self.who, "kind": self.kind, "municipality": self.municipality, "what": self.what}


def audit(
    session: Session, *, municipality_id: int | None = None, since: datetime | None = None, limit: int = 1000
) -> list[Entry]:
    access = access_of(session)
    names = dict(session.execute(select(m.Municipality.id, m.Municipality.name)).all())
    since_utc = as_utc(since) if since else None
    out: list[Entry] = []

    def keep(mid: int | None, at: datetime | None) -> bool:
        if at is None or (since_utc is not None and as_utc(at) < since_utc):
            return False
        if municipality_id is not None and mid != municipality_id:
            return False
        return mid is None or access.can_read(mid)

    def newest(stmt, column, muni_column=None):  # type: ignore[no-untyped-def]
        # Every filter in SQL, before the limit: the rows kept are the newest the reader may see.
        if since_utc is not None:
            stmt = stmt.where(column >= since_utc)
        if muni_column is not None:
            if municipality_id is not None:
                stmt = stmt.where(muni_column == municipality_id)
            readable = access.readable_filter(muni_column)
            if readable is not None:
                stmt = stmt.where(readable)
        return session.execute(stmt.order_by(column.desc()).limit(limit)).all()

    h = m.StatusHistory
    stmt = select(
        h.changed_at,
        h.changed_by,
        h.municipality_id,
        h.measure_code,
        h.old_status,
        h.new_status,
        h.source,
        h.session_id,
    )
    for at, who, mid, code, old, new, source, sid in newest(stmt, h.changed_at, h.municipality_id):
        if keep(mid, at):
            via = f" in session #{sid}" if sid else f" ({source})"
            out.append(
                Entry(as_utc(at), who, "status", names.get(mid, ""), f"{code}: {old or 'not_assessed'} → {new}{via}")
            )

    s = m.MentorSession
    stmt = select(s.recorded_at, s.recorded_by, s.municipality_id, s.id, s.held_at, s.duration_minutes)
    for at, who, mid, sid, held, minutes in newest(stmt, s.recorded_at, s.municipality_id):
        if keep(mid, at):
            out.append(
                Entry(
                    as_utc(at),
                    who,
                    "session",
                    names.get(mid, ""),
                    f"session #{sid} held {as_utc(held):%Y-%m-%d} ({minutes} min)",
                )
            )

    f = m.FollowUp
    stmt = select(f.closed_at, f.closed_by, f.municipality_id, f.id, f.state, f.reason, f.description).where(
        f.closed_at.is_not(None)  # type: ignore[union-attr]
    )
    for at, who, mid, fid, state, reason, desc in newest(stmt, f.closed_at, f.municipality_id):
        if keep(mid, at):
            why = f" ({reason})" if reason else ""
            out.append(Entry(as_utc(at), who, "follow-up", names.get(mid, ""), f"#{fid} {state}{why}: {desc}"))

    a = m.ModuleApplicability
    stmt = select(a.changed_at, a.changed_by, a.municipality_id, a.module_code, a.applicable, a.reason)
    for at, who, mid, code, applicable, reason in newest(stmt, a.changed_at, a.municipality_id):
        if keep(mid, at):
            verb = "added" if applicable else f"excluded ({reason})"
            out.append(Entry(as_utc(at), who, "scope", names.get(mid, ""), f"{code} {verb}"))

    e = m.EditionMigration
    stmt = select(e.migrated_at, e.migrated_by, e.municipality_id, e.kept, e.flagged, e.archived, e.added)
    for at, who, mid, kept, flagged, archived, added in newest(stmt, e.migrated_at, e.municipality_id):
        if keep(mid, at):
            out.append(
                Entry(
                    as_utc(at),
                    who,
                    "edition",
                    names.get(mid, ""),
                    f"moved to a new edition: {kept} kept, {flagged} flagged, {archived} archived, {added} added",
                )
            )

    if municipality_id is None and access.is_admin:
        p = m.PermissionChange
        stmt = select(p.changed_at, p.changed_by, p.login, p.action, p.role, p.note)
        for at, who, login, action, role, note in newest(stmt, p.changed_at):
            if keep(None, at):
                out.append(
                    Entry(
                        as_utc(at),
                        who,
                        "permission",
                        "",
                        f"{action} {role} for {login}".strip() + (f": {note}" if note else ""),
                    )
                )

    out.sort(key=lambda x: x.at, reverse=True)
    return out[:limit]
