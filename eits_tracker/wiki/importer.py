"""``wiki import DIR``: read the tree ``wiki export`` writes (``pages/<slug>.md``) back into the database.

All or nothing: every file is read and checked first — the front matter, the slug in the file name,
the links, the codes, the municipality — and every problem is reported at once with its file and
line; only a tree without problems is written, in the caller's one transaction. Links to pages
that exist neither in the tree nor in the database are not an error (a wiki grows page by page)
but are reported.

Import names authors and municipalities other than the importer's own, so it is for administrators
(as a status import naming other people is). A page that exists already is refused unless
``update`` is given; then the file becomes the page's next revision (an identical file changes
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import require_admin
from eits_tracker.db import models as m
from eits_tracker.errors import EitsError, ImportFileError
from eits_tracker.timeutil import utcnow
from eits_tracker.wiki import links as lk
from eits_tracker.wiki.frontmatter import ParsedFile, parse_page
from eits_tracker.wiki.pages import PageInput, catalogue, check_input, create_page, update_page


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Ready:
    rel: str
    data: PageInput
    author: str
    municipality_id: int | None
    updated: datetime | None


def _read(directory: Path) -> tuple[dict[str, tuple[str, ParsedFile]], list[str]]:
    """slug → (relative path, parsed file); problems of files that cannot be read or parsed."""
    problems: list[str] = []
    found: dict[str, tuple[str, ParsedFile]] = {}
    pages = directory / "pages"
    if not pages.is_dir():
        raise ImportFileError(str(directory), ["no pages/ directory: import the directory 'wiki export' wrote"])
    root = directory.resolve()
    for path in sorted(pages.iterdir()):
        if path.suffix.lower() != ".md" or path.name.startswith("."):
            continue  # the HTML twins, editors' backup files
        rel = f"pages/{path.name}"
        if not path.resolve().is_relative_to(root):
            problems.append(f"{rel}: a link to {path.resolve()}, outside {directory}; copy the file in instead")
            continue
        slug = path.name[: -len(path.suffix)]
        issue = lk.slug_problem(slug) if path.suffix == ".md" else "the file name must end in .md"
        if issue:
            problems.append(f"{rel}: the file name is the page's slug: {issue}")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{rel}: not UTF-8 text; save it as UTF-8")
            continue
        parsed, issues = parse_page(text)
        problems += [f"{rel} {p}" if p.startswith("line") else f"{rel}: {p}" for p in issues]
        if parsed is not None:
            found[slug] = (rel, parsed)
    return found, problems


def read_tree(session: Session, directory: Path, *, update: bool = False) -> tuple[list[_Ready], list[str]]:
    """Everything to import, checked; raises ImportFileError listing every problem."""
    from eits_tracker.tracking.municipalities import find_municipality

    found, problems = _read(directory)
    cat = catalogue(session)
    titles = {slug: str(p.fields["title"]) for slug, (_rel, p) in found.items()}
    existing = set(session.scalars(select(m.WikiPage.slug)).all())  # type: ignore[call-overload]
    ready: list[_Ready] = []
    warnings: list[str] = []
    municipalities: dict[str, int | None] = {}
    for slug, (rel, parsed) in sorted(found.items()):
        raw_body = lk.from_file_form(parsed.body, titles=titles)
        lead = len(raw_body) - len(raw_body.lstrip("\n"))
        data = PageInput(
            str(parsed.fields["title"]), raw_body, parsed.fields["tags"], parsed.fields["modules"],
            parsed.fields["measures"], slug,
        )  # fmt: skip
        clean, issues = check_input(data, cat, slug=slug)
        for where, what in issues:
            if where.startswith("line "):
                where = f"line {parsed.body_line + lead + int(where.split()[1]) - 1}"
            elif where in parsed.lines:
                where = f"line {parsed.lines[where]}"
            problems.append(f"{rel} {where}: {what}")
        if slug in existing and not update:
            problems.append(
                f"{rel}: a page {slug!r} exists already in the database; import with --update to save the file "
                "as its next version"
            )
        name = str(parsed.fields["municipality"]).strip()
        if name and name not in municipalities:
            try:
                municipalities[name] = find_municipality(session, name).id
            except EitsError as exc:  # not found, or ambiguous: say which file
                municipalities[name] = None
                problems.append(f"{rel} line {parsed.lines.get('municipality', 2)}: {exc.message}")
        for link in lk.links(clean.body):
            if link.kind == "page" and link.target not in found and link.target not in existing:
                warnings.append(
                    f"{rel} line {parsed.body_line + lead + link.line - 1}: [[{link.target}]]: no such page"
                )
        ready.append(
            _Ready(rel, clean, str(parsed.fields["author"]).strip(), municipalities.get(name), parsed.fields["updated"])
        )
    if problems:
        raise ImportFileError(str(directory), problems)
    return ready, warnings


def import_wiki(session: Session, directory: Path, *, actor: str, update: bool = False) -> ImportResult:
    """Import the tree; the caller commits (or, on an error, nothing at all happens)."""
    require_admin(session, "import wiki pages (they name their authors)")
    ready, warnings = read_tree(session, directory, update=update)
    result = ImportResult(warnings=warnings)
    cat = catalogue(session)
    now = utcnow()
    note = f"imported from {directory.name or directory}"
    for item in ready:
        page = session.scalars(select(m.WikiPage).where(m.WikiPage.slug == item.data.slug)).first()  # type: ignore[arg-type]
        if page is None:
            page = create_page(
                session, item.data, actor=actor, author=item.author, municipality_id=item.municipality_id,
                now=now, note=note, cat=cat,
            )  # fmt: skip
            page.updated_at = page.created_at = item.updated or now
            session.add(page)
            result.created.append(item.data.slug)  # type: ignore[arg-type]
            continue
        same = (
            (page.title, page.body, list(page.tags), list(page.modules), list(page.measures))
            == (item.data.title, item.data.body, item.data.tags, item.data.modules, item.data.measures)
            and (page.author, page.municipality_id) == (item.author, item.municipality_id)
            and (item.updated is None or page.updated_at.replace(microsecond=0) == item.updated)
        )
        if same:
            result.unchanged.append(page.slug)
            continue
        page.author, page.municipality_id = item.author, item.municipality_id
        update_page(
            session, page.slug, item.data, actor=actor, expected_version=None, now=now, note=note, cat=cat,
            updated_at=item.updated or now,
        )  # fmt: skip
        result.updated.append(page.slug)
    session.flush()
    return result
