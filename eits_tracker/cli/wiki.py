"""``eits-tracker wiki …``: the best-practice wiki from the shell — pages, revisions, export, import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from eits_tracker.cli.common import err, print_json, print_table, state
from eits_tracker.cli.mentor import split_list
from eits_tracker.errors import ValidationError
from eits_tracker.timeutil import show

app = typer.Typer(
    help="The best-practice wiki: pages linked to E-ITS measures, their history, Markdown export and import.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")
TAGS = typer.Option(None, "--tag", help="Tags (repeatable or comma list)")
MODULES = typer.Option(None, "--module", help="Module codes the page is about, e.g. CON.3 (repeatable or comma list)")
MEASURES = typer.Option(None, "--measure", help="Measure codes, e.g. CON.3.M2 (repeatable or comma list)")
BODY = typer.Option(None, "--body-file", help="The page text (Markdown) from this file; '-' reads stdin")


def _body(path: str | None) -> str | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(f"--body-file {path}: the file does not exist.", field="body_file") from None
    except UnicodeDecodeError:
        raise ValidationError(f"--body-file {path}: not UTF-8 text; save it as UTF-8.", field="body_file") from None


@app.command("list")
def list_(
    ctx: typer.Context,
    tag: str | None = typer.Option(None, "--tag", help="Only pages with this tag"),
    code: str | None = typer.Option(None, "--code", help="Only pages citing this module or measure (ORP.4, ORP.4.M1)"),
    json_out: bool = JSON,
) -> None:
    """Every page by title, with tags, the codes it is about, author and last change."""
    from eits_tracker.wiki.pages import list_pages

    db = state(ctx).db()
    with db.session() as s:
        rows = list_pages(s, tag=tag, code=code)
    data: list[dict[str, Any]] = [
        {"slug": r.slug, "title": r.title, "tags": r.tags, "modules": r.modules, "measures": r.measures,
         "author": r.author, "municipality": r.municipality, "updated_at": r.updated_at, "version": r.version}
        for r in rows
    ]  # fmt: skip
    if json_out:
        print_json(data)
        return
    print_table(
        [
            {
                **d,
                "tags": ", ".join(d["tags"]),
                "codes": ", ".join(d["modules"] + d["measures"]),
                "updated_at": show(d["updated_at"]),
            }
            for d in data
        ],
        [
            ("slug", "Slug"),
            ("title", "Title"),
            ("tags", "Tags"),
            ("codes", "E-ITS"),
            ("author", "Author"),
            ("municipality", "Municipality"),
            ("updated_at", "Updated"),
        ],
        title=f"{len(rows)} page(s)",
    )


@app.command("show")
def show_page(
    ctx: typer.Context, slug: str = typer.Argument(..., help="The page's slug"), json_out: bool = JSON
) -> None:
    """A page: its fields and its Markdown text (with [[links]])."""
    from eits_tracker.wiki.pages import get_page

    db = state(ctx).db()
    with db.session() as s:
        p = get_page(s, slug)
        data: dict[str, Any] = {
            "slug": p.slug, "title": p.title, "tags": p.tags, "modules": p.modules, "measures": p.measures,
            "author": p.author, "updated_at": p.updated_at, "updated_by": p.updated_by, "version": p.version,
            "body": p.body,
        }  # fmt: skip
    if json_out:
        print_json(data)
        return
    print(f"# {data['title']}\n")
    for key in ("slug", "tags", "modules", "measures", "author", "version"):
        value = data[key]
        print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    print(f"updated: {show(data['updated_at'])} ({data['updated_by']})\n")
    print(data["body"])


@app.command("new")
def new(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="The page's title"),
    slug: str | None = typer.Option(None, "--slug", help="The page's address (default: from the title)"),
    tags: list[str] | None = TAGS,
    modules: list[str] | None = MODULES,
    measures: list[str] | None = MEASURES,
    body_file: str | None = BODY,
) -> None:
    """Write a new page and print its slug."""
    from eits_tracker.wiki.pages import PageInput, create_page

    body = _body(body_file) or ""
    db = state(ctx).db()
    with db.session() as s:
        page = create_page(
            s,
            PageInput(title, body, split_list(tags), split_list(modules), split_list(measures), slug),
            actor=db.actor,
        )
        s.commit()
        created = page.slug
    err(f"created the page {created}")
    print(created)


@app.command("edit")
def edit(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help="The page's slug"),
    title: str | None = typer.Option(None, "--title", help="New title"),
    tags: list[str] | None = TAGS,
    modules: list[str] | None = MODULES,
    measures: list[str] | None = MEASURES,
    body_file: str | None = BODY,
    expected_version: int | None = typer.Option(
        None, "--expected-version", help="Refuse when the page is no longer at this version (someone saved meanwhile)"
    ),
) -> None:
    """Change a page: what is given replaces what was there; the rest stays. A new revision is kept."""
    from eits_tracker.wiki.pages import PageInput, get_page, update_page

    body = _body(body_file)
    db = state(ctx).db()
    with db.session() as s:
        p = get_page(s, slug)
        data = PageInput(
            title if title is not None else p.title,
            body if body is not None else p.body,
            split_list(tags) if tags is not None else list(p.tags),
            split_list(modules) if modules is not None else list(p.modules),
            split_list(measures) if measures is not None else list(p.measures),
        )
        before = p.version
        page = update_page(s, slug, data, actor=db.actor, expected_version=expected_version)
        s.commit()
        version = page.version
    err(f"{slug}: version {version}" if version != before else f"{slug}: nothing changed (version {version})")


@app.command("history")
def history(ctx: typer.Context, slug: str = typer.Argument(..., help="The page's slug"), json_out: bool = JSON) -> None:
    """Every revision of a page, newest first: version, when, who, what happened."""
    from eits_tracker.wiki.pages import revisions

    db = state(ctx).db()
    with db.session() as s:
        rows: list[dict[str, Any]] = [
            {"version": r.version, "edited_at": r.edited_at, "edited_by": r.edited_by, "note": r.note,
             "title": r.title, "chars": len(r.body)}
            for r in revisions(s, slug)
        ]  # fmt: skip
    if json_out:
        print_json(rows)
        return
    print_table(
        [{**r, "edited_at": show(r["edited_at"])} for r in rows],
        [
            ("version", "Version"),
            ("edited_at", "When"),
            ("edited_by", "Who"),
            ("note", "Note"),
            ("title", "Title"),
            ("chars", "Characters"),
        ],
        title=f"{slug}: {len(rows)} revision(s)",
    )


@app.command("restore")
def restore(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help="The page's slug"),
    version: int = typer.Argument(..., help="The revision to bring back (see 'wiki history')"),
    expected_version: int | None = typer.Option(
        None, "--expected-version", help="Refuse when the page is no longer at this version"
    ),
) -> None:
    """Make an earlier revision current again (as a new revision: nothing is lost)."""
    from eits_tracker.wiki.pages import restore_revision

    db = state(ctx).db()
    with db.session() as s:
        page = restore_revision(s, slug, version, actor=db.actor, expected_version=expected_version)
        s.commit()
        now = page.version
    err(f"{slug}: version {version} restored as version {now}")


@app.command("check")
def check(ctx: typer.Context, json_out: bool = JSON) -> None:
    """Broken links: [[pages]] that do not exist, codes the newest catalogue lacks. Exit code 1 when any."""
    from eits_tracker.wiki.pages import broken_links

    db = state(ctx).db()
    with db.session() as s:
        broken = broken_links(s)
    if json_out:
        print_json([b.__dict__ for b in broken])
    else:
        for b in broken:
            print(f"{b.slug} line {b.line}: [[{b.target}]]: {b.why}")
        err(f"{len(broken)} broken link(s)" if broken else "no broken links")
    if broken:
        raise typer.Exit(1)


@app.command("export")
def export(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="Where to write index.md, pages/, modules/ (created when missing)"),
    html: bool = typer.Option(False, "--html", help="Also write a sanitised static site (.html beside each .md)"),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty directory that holds no export"),
    lang: str | None = typer.Option(None, "--lang", help="Language of index and module pages: et or en"),
    json_out: bool = JSON,
) -> None:
    """Write the wiki as Markdown files (front matter + text, relative links), and optionally HTML."""
    from eits_tracker.wiki.export import export_wiki

    st = state(ctx)
    db = st.db()
    with db.session() as s:
        result = export_wiki(s, directory, html=html, lang=lang or st.settings.resolved_language(), force=force)
    for b in result.broken:
        err(f"warning: {b.slug} line {b.line}: [[{b.target}]]: {b.why}")
    summary: dict[str, Any] = {
        "directory": str(directory), "pages": result.pages, "modules": result.modules, "written": result.written,
        "unchanged": result.unchanged, "removed": result.removed, "broken_links": len(result.broken),
    }  # fmt: skip
    if json_out:
        print_json(summary)
        return
    print(
        f"exported {result.pages} page(s) and {result.modules} module page(s) to {directory}"
        f"{' with HTML' if html else ''}: {result.written} written, {result.unchanged} unchanged"
        + (f", {len(result.removed)} removed" if result.removed else "")
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="A directory written by 'wiki export' (its pages/ are read)"),
    update: bool = typer.Option(False, "--update", help="Save files of existing pages as their next version"),
    json_out: bool = JSON,
) -> None:
    """Read pages/<slug>.md back: every file checked first, then all imported in one transaction, or none."""
    from eits_tracker.wiki.importer import import_wiki

    db = state(ctx).db()
    with db.session() as s:
        result = import_wiki(s, directory, actor=db.actor, update=update)
        s.commit()
    for warning in result.warnings:
        err(f"warning: {warning}")
    if json_out:
        print_json(result.__dict__)
        return
    print(
        f"imported {len(result.created)} new page(s), {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged from {directory}"
    )
