"""Wiki pages: create, edit, restore, read, list — with a revision for every save.

Who may do what (the same rules hold in the database on PostgreSQL, migration 0006):

- every role reads the wiki (viewer, contact, mentor, specialist);
- specialists and mentors write any page;
- a municipality's contact writes pages of their own municipality: they know best what worked
  there, and the page names them and their municipality as its author; they do not edit the
  pages of others (the mentors curate those).

A save carries the version the editor started from; when someone saved meanwhile, the save is
refused with :class:`PageConflict` and changes nothing (the app keeps the text as a draft).
Revisions are append-only: a restore is a new revision with an old text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from sqlalchemy import delete, func, select
from sqlmodel import Session

from eits_tracker.access import ADMIN, CONTACT, MENTOR, VIEWER, Access, NotPermitted, access_of
from eits_tracker.db import models as m
from eits_tracker.errors import EitsError, NotFoundError, ValidationError
from eits_tracker.timeutil import utcnow
from eits_tracker.tracking.search import natural_key
from eits_tracker.wiki import links as lk

TITLE_MAX = 200
_TAG = re.compile(r"[\w][\w -]{0,39}")


class PageConflict(EitsError):
    title = "Changed by someone else"

    def __init__(self, message: str, *, current_version: int, updated_by: str) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.updated_by = updated_by


class PageInvalid(ValidationError):
    """A page that cannot be saved; ``problems`` are (field or 'line N', what is wrong)."""

    def __init__(self, slug: str, problems: list[tuple[str, str]]) -> None:
        listed = "\n  ".join(f"{where}: {what}" for where, what in problems)
        super().__init__(
            f"page {slug or '(new)'}: {len(problems)} problem(s), nothing was saved:\n  {listed}",
            field=problems[0][0] if problems else None,
        )
        self.problems = problems


@dataclass
class PageInput:
    """What a user writes; the domain normalises and checks it."""

    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    slug: str | None = None  # derived from the title on create when None


# --- who may -------------------------------------------------------------------------------------


def can_read_wiki(access: Access) -> bool:
    return access.is_admin or bool(access.roles & {VIEWER, MENTOR, CONTACT, ADMIN})


def can_write_wiki(access: Access, municipality_id: int | None) -> bool:
    """Write a page whose author's municipality is ``municipality_id`` (a new page: the writer's own)."""
    return (
        access.is_admin
        or MENTOR in access.roles
        or (CONTACT in access.roles and access.home_id is not None and municipality_id == access.home_id)
    )


def require_wiki_read(session: Session) -> Access:
    access = access_of(session)
    if not can_read_wiki(access):
        raise NotPermitted(f"{access.describe()} may not read the wiki. Ask an ELVL administrator for a role.")
    return access


def require_wiki_write(session: Session, municipality_id: int | None, what: str) -> Access:
    access = access_of(session)
    if not can_write_wiki(access, municipality_id):
        raise NotPermitted(
            f"{access.describe()} may not {what}: specialists and mentors write any page, a municipality's "
            "contact the pages of their own municipality."
        )
    return access


# --- the catalogue the links point into ----------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Codes of the newest E-ITS edition: what [[links]] and the front matter may name."""

    edition_key: str
    modules: dict[str, str]  # code → title
    measures: dict[str, tuple[str, str, str]]  # code → (module code, title, level)

    @cached_property  # asked once per page of an export: built once
    def measure_modules(self) -> dict[str, str]:
        return {code: module for code, (module, _t, _l) in self.measures.items()}


def catalogue(session: Session) -> Catalogue:
    from eits_tracker.db.setup import latest_edition

    edition = latest_edition(session)
    if edition is None:
        return Catalogue("", {}, {})
    modules = dict(  # type: ignore[var-annotated]
        session.execute(select(m.Module.code, m.Module.title).where(m.Module.edition_id == edition.id)).all()  # type: ignore[call-overload]
    )
    rows = session.execute(
        select(m.Measure.code, m.Measure.module_code, m.Measure.title, m.Measure.level).where(  # type: ignore[call-overload]
            m.Measure.edition_id == edition.id
        )
    ).all()
    return Catalogue(edition.key, modules, {code: (mod, title, level) for code, mod, title, level in rows})


# --- checking what was written -------------------------------------------------------------------


def _codes(
    values: list[str], known: Mapping[str, object], kind: str, field_: str, problems: list[tuple[str, str]]
) -> list[str]:
    out: set[str] = set()
    for raw in values:
        code = raw.strip().upper()
        if not code:
            continue
        if code not in known:
            problems.append((field_, f"{code} is not a {kind} of the E-ITS catalogue (newest edition)"))
        out.add(code)
    return sorted(out, key=natural_key)


def check_input(data: PageInput, cat: Catalogue, *, slug: str) -> tuple[PageInput, list[tuple[str, str]]]:
    """The input normalised, and every problem with its field or body line (all at once)."""
    problems: list[tuple[str, str]] = []
    title = " ".join(data.title.split())
    if not title:
        problems.append(("title", "a page needs a title"))
    elif len(title) > TITLE_MAX:
        problems.append(("title", f"the title is longer than {TITLE_MAX} characters"))
    elif "[" in title or "]" in title:
        problems.append(("title", "a title may not contain [ or ] (they would break links to the page)"))
    slug_issue = lk.slug_problem(slug)
    if slug_issue:
        problems.append(("slug", slug_issue))
    tags: set[str] = set()
    for raw in data.tags:
        tag = " ".join(raw.split()).lower()
        if not tag:
            continue
        if not _TAG.fullmatch(tag):
            problems.append(("tags", f"{tag!r} is not a tag: letters, digits, spaces and hyphens, at most 40"))
        tags.add(tag)
    modules = _codes(data.modules, cat.modules, "module", "modules", problems)
    measures = _codes(data.measures, cat.measures, "measure", "measures", problems)
    body = lk.normalise_body(data.body)
    problems += [(f"line {line}", what) for line, what in lk.body_problems(body)]
    for link in lk.links(body):
        if link.kind == "measure" and link.target not in cat.measures:
            problems.append((f"line {link.line}", f"[[{link.target}]] is not a measure of the E-ITS catalogue"))
        elif link.kind == "module" and link.target not in cat.modules:
            problems.append((f"line {link.line}", f"[[{link.target}]] is not a module of the E-ITS catalogue"))
    clean = PageInput(title, body, sorted(tags), modules, measures, slug)
    return clean, problems


def _refs(page: PageInput, measure_modules: dict[str, str]) -> set[tuple[str, str]]:
    """What a page cites: its front-matter codes and its [[links]] (a measure also cites its module)."""
    refs = {("module", c) for c in page.modules} | {("measure", c) for c in page.measures}
    for link in lk.links(page.body):
        if link.kind in ("module", "measure", "page"):
            refs.add((link.kind, link.target))
    for kind, code in list(refs):
        if kind == "measure":
            refs.add(("module", lk.module_of(code, measure_modules)))
    return refs


def _write_refs(session: Session, page_id: int, data: PageInput, cat: Catalogue) -> None:
    session.execute(delete(m.WikiRef).where(m.WikiRef.page_id == page_id))  # type: ignore[arg-type]
    for kind, target in sorted(_refs(data, cat.measure_modules)):
        session.add(m.WikiRef(page_id=page_id, kind=kind, target=target))


def _revision(page: m.WikiPage, *, actor: str, at: datetime, note: str) -> m.WikiRevision:
    return m.WikiRevision(
        page_id=page.id,  # type: ignore[arg-type]
        version=page.version,
        slug=page.slug,
        title=page.title,
        body=page.body,
        tags=list(page.tags),
        modules=list(page.modules),
        measures=list(page.measures),
        author=page.author,
        municipality_id=page.municipality_id,
        edited_at=at,
        edited_by=actor,
        note=note,
    )


# --- writing ---------------------------------------------------------------------------------------


def _free_slug(session: Session, base: str) -> str:
    taken = set(session.scalars(select(m.WikiPage.slug).where(m.WikiPage.slug.like(f"{base}%"))).all())  # type: ignore[attr-defined, call-overload]
    if base not in taken:
        return base
    n = 2
    while f"{base[: lk.SLUG_MAX - 4]}-{n}" in taken:
        n += 1
    return f"{base[: lk.SLUG_MAX - 4]}-{n}"


def create_page(
    session: Session,
    data: PageInput,
    *,
    actor: str,
    author: str | None = None,
    municipality_id: int | None = None,
    now: datetime | None = None,
    note: str = "created",
    cat: Catalogue | None = None,
) -> m.WikiPage:
    """A new page and its first revision. Without ``author``/``municipality_id``: the writer and their
    municipality (only an administrator names someone else). A given slug must be free; a derived one
    gets a number when taken. The caller commits."""
    access = access_of(session)
    if (author is not None or municipality_id is not None) and not access.is_admin:
        raise NotPermitted(f"{access.describe()} may not write a page in someone else's name.")
    home = access.home_id if municipality_id is None and not access.is_admin else municipality_id
    require_wiki_write(session, home, "write wiki pages")
    cat = cat or catalogue(session)
    slug = data.slug.strip() if data.slug else _free_slug(session, lk.slugify(data.title))
    clean, problems = check_input(data, cat, slug=slug)
    if data.slug and not problems and session.scalar(select(m.WikiPage.id).where(m.WikiPage.slug == slug)):  # type: ignore[call-overload]
        problems.append(("slug", f"a page {slug!r} exists already: choose another slug or edit that page"))
    if problems:
        raise PageInvalid(slug, problems)
    at = now or utcnow()
    page = m.WikiPage(
        slug=slug,
        title=clean.title,
        body=clean.body,
        tags=clean.tags,
        modules=clean.modules,
        measures=clean.measures,
        author=author if author is not None else (access.name or actor),
        municipality_id=home,
        created_at=at,
        created_by=actor,
        updated_at=at,
        updated_by=actor,
        version=1,
    )
    return _store(session, page, clean, cat, actor=actor, at=at, note=note)


def _store(
    session: Session, page: m.WikiPage, clean: PageInput, cat: Catalogue, *, actor: str, at: datetime, note: str
) -> m.WikiPage:
    """Write the page, its new revision (the full text) and the codes it cites."""
    session.add(page)
    session.flush()
    session.add(_revision(page, actor=actor, at=at, note=note))
    _write_refs(session, page.id, clean, cat)  # type: ignore[arg-type]
    session.flush()
    return page


def update_page(
    session: Session,
    slug: str,
    data: PageInput,
    *,
    actor: str,
    expected_version: int | None,
    now: datetime | None = None,
    note: str = "",
    cat: Catalogue | None = None,
    updated_at: datetime | None = None,
) -> m.WikiPage:
    """Save a new text of a page (slug, author and municipality stay). Refused with PageConflict when
    the page is no longer at ``expected_version``; a save that changes nothing adds no revision."""
    page = get_page(session, slug, for_update=True)
    require_wiki_write(session, page.municipality_id, f"edit the page {slug!r}")
    if expected_version is not None and page.version != expected_version:
        raise PageConflict(
            f"the page {slug!r} was saved by {page.updated_by or 'someone'} meanwhile (version {page.version}, "
            f"you started from {expected_version}). Nothing was saved; compare and save again.",
            current_version=page.version,
            updated_by=page.updated_by,
        )
    cat = cat or catalogue(session)
    clean, problems = check_input(replace(data, slug=page.slug), cat, slug=page.slug)
    if problems:
        raise PageInvalid(page.slug, problems)
    same = (clean.title, clean.body, clean.tags, clean.modules, clean.measures) == (
        page.title,
        page.body,
        list(page.tags),
        list(page.modules),
        list(page.measures),
    )
    if same and updated_at is None:
        return page
    at = now or utcnow()
    page.title, page.body, page.tags = clean.title, clean.body, clean.tags
    page.modules, page.measures = clean.modules, clean.measures
    page.updated_at, page.updated_by = updated_at or at, actor
    page.version += 1
    return _store(session, page, clean, cat, actor=actor, at=at, note=note)


def restore_revision(
    session: Session, slug: str, version: int, *, actor: str, expected_version: int | None, now: datetime | None = None
) -> m.WikiPage:
    """Make an earlier revision's text current again — as a new revision; nothing is rewritten."""
    page = get_page(session, slug)
    old = session.scalars(
        select(m.WikiRevision).where(m.WikiRevision.page_id == page.id, m.WikiRevision.version == version)  # type: ignore[arg-type]
    ).first()
    if old is None:
        raise NotFoundError(f"the page {slug!r} has no version {version} (it has 1 … {page.version}).")
    data = PageInput(old.title, old.body, list(old.tags), list(old.modules), list(old.measures))
    return update_page(
        session, slug, data, actor=actor, expected_version=expected_version, now=now, note=f"restored version {version}"
    )


# --- reading ---------------------------------------------------------------------------------------


def get_page(session: Session, slug: str, *, for_update: bool = False) -> m.WikiPage:
    require_wiki_read(session)
    stmt = select(m.WikiPage).where(m.WikiPage.slug == slug.strip())  # type: ignore[arg-type]
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two saves of one page: the second waits, then sees the new version
    page = session.scalars(stmt).first()
    if page is None:
        close = session.scalars(
            select(m.WikiPage.slug).where(m.WikiPage.slug.like(f"%{slug.strip()[:20]}%")).limit(5)  # type: ignore[attr-defined, call-overload]
        ).all()
        hint = f" Did you mean: {', '.join(close)}?" if close else " 'eits-tracker wiki list' shows the pages."
        raise NotFoundError(f"no wiki page {slug!r}.{hint}")
    return page


@dataclass(frozen=True)
class PageSummary:
    slug: str
    title: str
    tags: list[str]
    modules: list[str]
    measures: list[str]
    author: str
    municipality: str
    updated_at: datetime
    version: int


def list_pages(session: Session, *, tag: str | None = None, code: str | None = None) -> list[PageSummary]:
    """Every page (or those with ``tag``, or citing ``code``), by title in Estonian order."""
    from eits_tracker.text import estonian_key

    require_wiki_read(session)
    stmt = select(m.WikiPage, m.Municipality.name).outerjoin(  # type: ignore[call-overload]
        m.Municipality,
        m.Municipality.id == m.WikiPage.municipality_id,  # type: ignore[arg-type]
    )
    if code:
        stmt = stmt.where(m.WikiPage.id.in_(_citing_ids(code)))  # type: ignore[union-attr]
    out = []
    wanted = " ".join(tag.split()).lower() if tag else None
    for page, muni in session.execute(stmt).all():
        if wanted and wanted not in page.tags:
            continue
        out.append(
            PageSummary(
                page.slug, page.title, list(page.tags), list(page.modules), list(page.measures),
                page.author, muni or "", page.updated_at, page.version,
            )
        )  # fmt: skip
    return sorted(out, key=lambda p: (estonian_key(p.title), p.slug))


def _citing_ids(code: str) -> object:
    """Pages citing a measure or its module; for a module, pages citing it or any of its measures."""
    code = code.strip().upper()
    kind, _ = lk.classify(code)
    if kind == "measure":
        module = code.rsplit(".", 1)[0]
        cond = ((m.WikiRef.kind == "measure") & (m.WikiRef.target == code)) | (
            (m.WikiRef.kind == "module") & (m.WikiRef.target == module)
        )
    else:
        cond = (m.WikiRef.kind == "module") & (m.WikiRef.target == code)
    return select(m.WikiRef.page_id).where(cond)  # type: ignore[call-overload]


def all_tags(session: Session) -> list[tuple[str, int]]:
    require_wiki_read(session)
    counts: dict[str, int] = {}
    for tags in session.scalars(select(m.WikiPage.tags)).all():  # type: ignore[call-overload]
        for tag in tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items())


def revisions(session: Session, slug: str) -> list[m.WikiRevision]:
    page = get_page(session, slug)
    return list(
        session.scalars(
            select(m.WikiRevision).where(m.WikiRevision.page_id == page.id).order_by(m.WikiRevision.version.desc())  # type: ignore[arg-type, attr-defined]
        ).all()
    )


def page_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(m.WikiPage)) or 0)


@dataclass(frozen=True)
class BrokenLink:
    slug: str
    line: int
    target: str
    why: str


def broken_links(session: Session, cat: Catalogue | None = None) -> list[BrokenLink]:
    """[[links]] to pages that do not exist, and codes that the newest catalogue edition lacks
    (a page saved before an edition change may cite a measure that is gone)."""
    require_wiki_read(session)
    cat = cat or catalogue(session)
    rows = session.execute(select(m.WikiPage.slug, m.WikiPage.body).order_by(m.WikiPage.slug)).all()  # type: ignore[call-overload]
    slugs = {slug for slug, _body in rows}
    out = []
    for slug, body in rows:
        for link in lk.links(body):
            if link.kind == "page" and link.target not in slugs:
                out.append(BrokenLink(slug, link.line, link.target, "no such page"))
            elif link.kind == "measure" and link.target not in cat.measures:
                out.append(BrokenLink(slug, link.line, link.target, f"not a measure of E-ITS {cat.edition_key}"))
            elif link.kind == "module" and link.target not in cat.modules:
                out.append(BrokenLink(slug, link.line, link.target, f"not a module of E-ITS {cat.edition_key}"))
    return out
