"""Drafts: what a user typed into a form and has not saved yet, kept in the database.

A session form closed by accident (or a crashed terminal) loses nothing: the form saves its
content here as the user types, and offers it again when the same form is opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.timeutil import utcnow


def save_draft(session: Session, *, owner: str, kind: str, key: str, payload: dict[str, Any]) -> None:
    """Create or replace the draft. The caller commits."""
    row = session.scalars(
        select(m.Draft).where(m.Draft.owner == owner, m.Draft.kind == kind, m.Draft.key == key)
    ).first()
    if row is None:
        row = m.Draft(owner=owner, kind=kind, key=key, payload=payload)
    else:
        row.payload = dict(payload)
        row.updated_at = utcnow()
    session.add(row)
    session.flush()


def load_draft(session: Session, *, owner: str, kind: str, key: str) -> m.Draft | None:
    return session.scalars(
        select(m.Draft).where(m.Draft.owner == owner, m.Draft.kind == kind, m.Draft.key == key)
    ).first()


def discard_draft(session: Session, *, owner: str, kind: str, key: str) -> bool:
    row = load_draft(session, owner=owner, kind=kind, key=key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_drafts(session: Session, *, owner: str, kind: str | None = None) -> list[m.Draft]:
    stmt = select(m.Draft).where(m.Draft.owner == owner).order_by(m.Draft.updated_at.desc())  # type: ignore[attr-defined]
    if kind:
        stmt = stmt.where(m.Draft.kind == kind)
    return list(session.scalars(stmt).all())
