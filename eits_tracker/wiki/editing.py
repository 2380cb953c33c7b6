"""What the wiki editor needs from the database: the page as it is, the user's draft, and one save.

The editor keeps what is typed as a draft (``mentoring.drafts``, kind ``wiki``) while the user
types. A save that is refused — a problem in the text, or someone saved the page meanwhile —
leaves the draft in place, so nothing typed is lost; a save that succeeds removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.mentoring.drafts import discard_draft, load_draft, save_draft
from eits_tracker.wiki.pages import PageInput, catalogue, create_page, get_page, require_wiki_read, update_page

DRAFT_KIND = "wiki"


def draft_key(slug: str | None) -> str:
    return slug or "(new)"


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class EditorContext:
    slug: str | None
    version: int | None
    payload: dict[str, str]  # the page as saved: title, tags, modules, measures, body
    draft: dict[str, Any] | None
    draft_saved_at: datetime | None
    modules: dict[str, str] = field(default_factory=dict)  # code → title, for completion
    measures: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # slug → title of every page, for the preview


def editor_context(session: Session, slug: str | None, *, owner: str, codes: list[str] | None = None) -> EditorContext:
    """The page (or an empty one citing ``codes``), and the owner's draft of it if there is one."""
    require_wiki_read(session)
    cat = catalogue(session)
    if slug:
        page = get_page(session, slug)
        payload = {
            "title": page.title,
            "tags": ", ".join(page.tags),
            "modules": ", ".join(page.modules),
            "measures": ", ".join(page.measures),
            "body": page.body,
        }
        version: int | None = page.version
    else:
        wanted = [c.upper() for c in codes or []]
        payload = {
            "title": "",
            "tags": "",
            "modules": ", ".join(c for c in wanted if c in cat.modules),
            "measures": ", ".join(c for c in wanted if c in cat.measures),
            "body": "",
        }
        version = None
    draft = load_draft(session, owner=owner, kind=DRAFT_KIND, key=draft_key(slug))
    return EditorContext(
        slug,
        version,
        payload,
        dict(draft.payload) if draft else None,
        draft.updated_at if draft else None,
        dict(cat.modules),
        {code: title for code, (_m, title, _l) in cat.measures.items()},
        dict(session.execute(select(m.WikiPage.slug, m.WikiPage.title)).all()),  # type: ignore[arg-type, call-overload]
    )


def keep_draft(session: Session, slug: str | None, *, owner: str, payload: dict[str, Any]) -> None:
    save_draft(session, owner=owner, kind=DRAFT_KIND, key=draft_key(slug), payload=payload)


def drop_draft(session: Session, slug: str | None, *, owner: str) -> None:
    discard_draft(session, owner=owner, kind=DRAFT_KIND, key=draft_key(slug))


def save(
    session: Session, slug: str | None, payload: dict[str, Any], *, actor: str, base_version: int | None
) -> tuple[str, int]:
    """Create or update the page from the editor's fields; the draft goes with a successful save.
    Returns (slug, version). Errors leave the session to be rolled back (the draft stays)."""
    data = PageInput(
        title=str(payload.get("title") or ""),
        body=str(payload.get("body") or ""),
        tags=split(str(payload.get("tags") or "")),
        modules=split(str(payload.get("modules") or "")),
        measures=split(str(payload.get("measures") or "")),
        slug=(str(payload.get("slug") or "").strip() or None) if slug is None else None,
    )
    if slug is None:
        page = create_page(session, data, actor=actor)
    else:
        page = update_page(session, slug, data, actor=actor, expected_version=base_version)
    drop_draft(session, slug, owner=actor)
    return page.slug, page.version
