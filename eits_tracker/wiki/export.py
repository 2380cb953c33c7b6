"""``wiki export DIR``: the wiki as plain Markdown files (and, with ``html``, a static site beside them).

    DIR/index.md             every page, the tags, the modules with best practices
    DIR/pages/<slug>.md      YAML front matter (title, tags, modules, measures, author, municipality,
                             updated) and the body, its [[links]] as relative Markdown links
    DIR/modules/<CODE>.md    one file per module of the newest edition: its measures, and under each
                             the pages that cite it
    *.html                   with ``html``: the same tree as sanitised HTML (eits_tracker.markup)

Deterministic: sorted, no time but the pages' own ``updated``, so a second export — or an export of
an imported export — gives the same bytes, and a git diff shows only what changed.

The export owns ``index.*``, ``pages/*`` and ``modules/*`` (``.md``, ``.html``) in DIR: files of
those kinds that no longer belong (a page renamed) are removed, anything else is left alone. Every
path is built from a checked slug or catalogue code and, as a second guard, resolved and checked to
lie inside DIR before anything is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError
from eits_tracker.tracking.search import natural_key
from eits_tracker.wiki import links as lk
from eits_tracker.wiki.frontmatter import write_page
from eits_tracker.wiki.pages import BrokenLink, Catalogue, broken_links, catalogue, require_wiki_read

_OWNED = re.compile(r"index\.(md|html)|pages/[^/]+\.(md|html)|modules/[^/]+\.(md|html)")
_ALLOWED = re.compile(r"index\.(md|html)|pages/[a-z0-9-]+\.(md|html)|modules/[A-Z0-9.]+\.(md|html)")

LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "wiki": "Best practices", "pages": "Pages", "tags": "Tags", "modules": "Modules",
        "module_pages": "Best practices for the whole module", "none": "No best practices yet.",
        "count": "{n} pages", "count1": "1 page", "edition": "E-ITS {key}",
        "by": "by", "updated": "updated", "level": {"basic": "basic", "standard": "standard", "high": "high"},
    },
    "et": {
        "wiki": "Head tavad", "pages": "Leheküljed", "tags": "Sildid", "modules": "Moodulid",
        "module_pages": "Head tavad kogu mooduli kohta", "none": "Head tava veel pole.",
        "count": "{n} lehekülge", "count1": "1 lehekülg", "edition": "E-ITS {key}",
        "by": "autor", "updated": "muudetud", "level": {"basic": "põhi", "standard": "standard", "high": "kõrge"},
    },
}  # fmt: skip


class ExportPathError(ValidationError):
    title = "Export refused"


@dataclass
class ExportResult:
    directory: Path
    pages: int
    modules: int
    written: int  # files whose content changed (or that are new)
    unchanged: int
    removed: list[str] = field(default_factory=list)
    broken: list[BrokenLink] = field(default_factory=list)


@dataclass(frozen=True)
class _Page:
    slug: str
    title: str
    body: str
    tags: list[str]
    modules: list[str]
    measures: list[str]
    author: str
    municipality: str
    updated: object


def _load(session: Session) -> list[_Page]:
    rows = session.execute(
        select(m.WikiPage, m.Municipality.name)  # type: ignore[call-overload]
        .outerjoin(m.Municipality, m.Municipality.id == m.WikiPage.municipality_id)  # type: ignore[arg-type]
        .order_by(m.WikiPage.slug)
    ).all()
    return [
        _Page(p.slug, p.title, p.body, list(p.tags), list(p.modules), list(p.measures), p.author, name or "",
              p.updated_at)
        for p, name in rows
    ]  # fmt: skip


def _cites(page: _Page) -> tuple[set[str], set[str]]:
    """(modules, measures) a page names in its front matter or its [[links]]."""
    modules, measures = set(page.modules), set(page.measures)
    for link in lk.links(page.body):
        if link.kind == "module":
            modules.add(link.target)
        elif link.kind == "measure":
            measures.add(link.target)
    return modules, measures


def render(session: Session, *, html: bool = False, lang: str = "en", cat: Catalogue | None = None) -> dict[str, str]:
    """Every file of the export: relative path → text."""
    from eits_tracker.text import estonian_key

    require_wiki_read(session)
    cat = cat or catalogue(session)
    t = LABELS["et" if lang == "et" else "en"]

    def count(n: int) -> str:
        return str(t["count1"]) if n == 1 else str(t["count"]).format(n=n)

    pages = _load(session)
    titles = {p.slug: p.title for p in pages}
    files: dict[str, str] = {}
    by_module: dict[str, list[_Page]] = {}
    by_measure: dict[str, list[_Page]] = {}
    page_meta: dict[str, dict[str, object]] = {}  # for the HTML: the front matter as written, body apart
    for page in pages:
        body = lk.to_file_form(page.body, titles=titles, measure_modules=cat.measure_modules, prefix="../")
        page_meta[f"pages/{page.slug}.md"] = {
            "title": page.title, "tags": page.tags, "modules": page.modules, "measures": page.measures,
            "author": page.author, "municipality": page.municipality, "updated": page.updated, "body": body,
        }  # fmt: skip
        files[f"pages/{page.slug}.md"] = write_page(
            {
                "title": page.title, "tags": page.tags, "modules": page.modules, "measures": page.measures,
                "author": page.author, "municipality": page.municipality, "updated": page.updated,
            },
            body,
        )  # fmt: skip
        modules, measures = _cites(page)
        for code in modules:
            by_module.setdefault(code, []).append(page)
        for code in measures:
            by_measure.setdefault(code, []).append(page)

    def order(items: list[_Page]) -> list[_Page]:
        return sorted(items, key=lambda p: (estonian_key(p.title), p.slug))

    measures_of: dict[str, list[str]] = {}
    for code, (module, _title, _level) in cat.measures.items():
        measures_of.setdefault(module, []).append(code)
    for module, title in cat.modules.items():
        out = [f"# {module} {title}", "", f"[← {t['wiki']}](../index.md) · {t['edition'].format(key=cat.edition_key)}"]
        direct = order(by_module.get(module, []))
        out += ["", f"## {t['module_pages']}", ""]
        out += [f"- [{p.title}](../pages/{p.slug}.md)" for p in direct] or [f"*{t['none']}*"]
        for code in sorted(measures_of.get(module, []), key=natural_key):
            _mod, mtitle, level = cat.measures[code]
            out += ["", f"## {code} {mtitle}", "", f"*{t['level'].get(level, level)}*"]
            cited = order(by_measure.get(code, []))
            if cited:
                out += [""] + [f"- [{p.title}](../pages/{p.slug}.md)" for p in cited]
        files[f"modules/{module}.md"] = "\n".join(out) + "\n"

    index = [f"# {t['wiki']}", "", count(len(pages)) + f" · {t['edition'].format(key=cat.edition_key)}"]
    index += ["", f"## {t['pages']}", ""]
    for p in order(pages):
        meta = ", ".join(p.tags)
        who = ", ".join(x for x in (p.author, p.municipality) if x)
        line = f"- [{p.title}](pages/{p.slug}.md)"
        if meta:
            line += f" — {meta}"
        if who:
            line += f" · {t['by']} {who}"
        index.append(line)
    tags: dict[str, list[_Page]] = {}
    for p in pages:
        for tag in p.tags:
            tags.setdefault(tag, []).append(p)
    if tags:
        index += ["", f"## {t['tags']}"]
        for tag in sorted(tags, key=estonian_key):
            links_ = ", ".join(f"[{p.title}](pages/{p.slug}.md)" for p in order(tags[tag]))
            index += ["", f"**{tag}**: {links_}"]
    cited_modules = sorted((c for c in by_module if c in cat.modules), key=natural_key)
    if cited_modules:
        index += ["", f"## {t['modules']}", ""]
        for code in cited_modules:
            n = len(by_module[code])
            index.append(f"- [{code} {cat.modules[code]}](modules/{code}.md) ({count(n)})")
    files["index.md"] = "\n".join(index) + "\n"
    if html:
        files.update(_html(files, page_meta, t, lang))
    return files


def _html(
    files: dict[str, str], pages: dict[str, dict[str, object]], t: dict[str, object], lang: str
) -> dict[str, str]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from eits_tracker.markup import markdown_to_html
    from eits_tracker.paths import templates_dir

    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "wiki")),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    template = env.get_template("page.html.j2")
    out: dict[str, str] = {}
    for path, text in sorted(files.items()):
        meta = dict(pages.get(path, {}))
        if meta:
            body, title = str(meta.pop("body")), str(meta.pop("title"))
        else:
            body, title = text, text.split("\n", 1)[0].lstrip("# ")
        out[path[: -len(".md")] + ".html"] = template.render(
            lang=lang,
            title=title,
            site=t["wiki"],
            root="../" * path.count("/"),
            meta=meta,
            labels=t,
            content=markdown_to_html(body, md_links_to_html=True),
        )
    return out


# --- writing the files ----------------------------------------------------------------------------


def safe_target(root: Path, relative: str) -> Path:
    """The file ``relative`` inside ``root``; refused unless it is one of the export's own paths and
    resolves (links followed) inside ``root``."""
    if not _ALLOWED.fullmatch(relative) or ".." in relative.split("/"):
        raise ExportPathError(f"refusing to write {relative!r}: not a path of a wiki export (a bad slug or code?)")
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ExportPathError(
            f"refusing to write {relative!r}: it resolves to {target}, outside {root} (a symbolic link?)"
        )
    return target


def _check_directory(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportPathError(f"{directory} is a file; give a directory to export into.")
    if not directory.exists() or force:
        return
    entries = {p.name for p in directory.iterdir()} - {".git", ".gitignore", "README.md", ".DS_Store"}
    if entries and "index.md" not in entries and "pages" not in entries:
        raise ExportPathError(
            f"{directory} is not empty and holds no wiki export ({', '.join(sorted(entries)[:5])} …). "
            "Export into a new or empty directory, or into an earlier export (--force to use it anyway)."
        )


def _write(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wiki-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def export_wiki(
    session: Session, directory: Path, *, html: bool = False, lang: str = "en", force: bool = False
) -> ExportResult:
    """Write the export into ``directory`` (created when missing). Every path is checked before the first
    file is written."""
    cat = catalogue(session)
    files = render(session, html=html, lang=lang, cat=cat)
    _check_directory(directory, force)
    targets = {rel: safe_target(directory, rel) for rel in files}  # all checked before any write
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    written = unchanged = 0
    for rel in sorted(files):
        if _write(targets[rel], files[rel]):
            written += 1
        else:
            unchanged += 1
    removed = []
    for sub in ("", "pages", "modules"):
        folder = root / sub
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir()):
            rel = item.relative_to(root).as_posix()
            if item.is_file() and not item.is_symlink() and _OWNED.fullmatch(rel) and rel not in files:
                item.unlink()
                removed.append(rel)
    n_pages = sum(1 for rel in files if rel.startswith("pages/") and rel.endswith(".md"))
    n_modules = sum(1 for rel in files if rel.startswith("modules/") and rel.endswith(".md"))
    return ExportResult(directory, n_pages, n_modules, written, unchanged, removed, broken_links(session, cat))
