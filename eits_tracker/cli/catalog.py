"""``eits-tracker catalog list|show|import|diff|export``"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from eits_tracker.catalog import queries
from eits_tracker.cli.common import print_json, print_table, state
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError

app = typer.Typer(help="The E-ITS catalogue: editions, modules, measures, import, diff, export.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for scripts")


@app.command("list")
def list_(
    ctx: typer.Context,
    modules: str | None = typer.Option(None, "--modules", metavar="EDITION", help="List the modules of an edition"),
    json_out: bool = JSON,
) -> None:
    """Editions with their counts (or the modules of one edition)."""
    db = state(ctx).db()
    with db.session() as s:
        if modules:
            edition = queries.find_edition(s, modules)
            mods = queries.modules_of(s, edition)
            counts: dict[str, int] = {}
            for ms in queries.measures_of(s, edition):
                counts[ms.module_code] = counts.get(ms.module_code, 0) + 1
            rows = [
                {
                    "code": x.code,
                    "title": x.title,
                    "layer": x.layer_code,
                    "kind": x.kind,
                    "measures": counts.get(x.code, 0),
                }
                for x in mods
            ]
            if json_out:
                print_json(rows)
            else:
                print_table(
                    rows,
                    [
                        ("code", "Module"),
                        ("title", "Title"),
                        ("layer", "Layer"),
                        ("kind", "Kind"),
                        ("measures", "Measures"),
                    ],
                    title=f"{edition.standard} {edition.key}: {len(rows)} modules",
                )
            return
        sums = queries.summaries(s)
    if json_out:
        print_json([x.as_dict() for x in sums])
        return
    rows = [
        {
            "key": x.key,
            "title": x.title,
            "layers": x.layers,
            "modules": x.modules,
            "measures": x.measures,
            "levels": f"{x.levels['basic']} / {x.levels['standard']} / {x.levels['high']}",
            "kov": (lambda p: f"{p['measures']} ({p.get('P1', 0)}/{p.get('P2', 0)}/{p.get('P3', 0)})" if p else "")(
                x.profiles.get("kov")
            ),
        }
        for x in sums
    ]
    print_table(
        rows,
        [
            ("key", "Edition"),
            ("title", "Title"),
            ("layers", "Layers"),
            ("modules", "Modules"),
            ("measures", "Measures"),
            ("levels", "Basic / standard / high"),
            ("kov", "KOV profile P1/P2/P3"),
        ],
    )


@app.command()
def show(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Module (ORP.4) or measure (ORP.4.M1) code"),
    edition: str | None = typer.Option(None, "--edition", "-e", help="Edition key (default: the newest)"),
    json_out: bool = JSON,
) -> None:
    """One module with its measures, or one measure with its text and threats."""
    from eits_tracker.db.setup import latest_edition

    db = state(ctx).db()
    with db.session() as s:
        ed = queries.find_edition(s, edition) if edition else latest_edition(s)
        assert ed is not None
        item = queries.find_code(s, ed, code)
        if isinstance(item, m.Module):
            measures = queries.measures_of(s, ed, item.code)
            data = {
                "edition": ed.key,
                "code": item.code,
                "title": item.title,
                "layer": item.layer_code,
                "kind": item.kind,
                "purpose": item.purpose,
                "responsibility": item.responsibility,
                "measures": [{"code": x.code, "title": x.title, "level": x.level} for x in measures],
            }
            if json_out:
                print_json(data)
                return
            print(f"{item.code}: {item.title}   [{ed.standard} {ed.key}, {item.layer_code}, {item.kind}]")
            if item.purpose:
                print(f"\n{item.purpose}")
            if item.responsibility:
                print(f"\n{item.responsibility}")
            print()
            print_table(data["measures"], [("code", "Measure"), ("level", "Level"), ("title", "Title")])
            return
        threats = queries.threats_of(s, ed, list(item.threats))
        data = {
            "edition": ed.key,
            "code": item.code,
            "module": item.module_code,
            "title": item.title,
            "level": item.level,
            "responsible": item.responsible,
            "co_assignees": item.co_assignees,
            "cia": "".join(
                f for f, on in (("C", item.confidentiality), ("I", item.integrity), ("A", item.availability)) if on
            ),
            "lifecycle": item.lifecycle,
            "text": item.text,
            "threats": [{"code": t.code, "title": t.title} for t in threats],
        }
    if json_out:
        print_json(data)
        return
    print(f"{data['code']}: {data['title']}")
    print(
        f"level {data['level']} · responsible {data['responsible'] or '-'} · CIA {data['cia'] or '-'}"
        f" · lifecycle {data['lifecycle'] or '-'} · {ed.standard} {data['edition']}"
    )
    if data["co_assignees"]:
        print("co-assignees: " + ", ".join(data["co_assignees"]))
    print("\n" + data["text"] + "\n")
    if data["threats"]:
        print("threats: " + "; ".join(f"{t['code']} {t['title']}" for t in data["threats"]))


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Catalogue file"),
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="native, api-v2, ciso, flat2024, oscal (default: detect)"
    ),
    key: str | None = typer.Option(None, "--key", help="Edition key to load it under (default: from the file)"),
    json_out: bool = JSON,
) -> None:
    """Load a catalogue edition from a file, in one transaction."""
    from eits_tracker.catalog.importers import import_path
    from eits_tracker.catalog.load import load_edition

    cat = import_path(path, fmt)
    if key:
        cat.edition.key = key
        cat.edition.sha256 = ""
    db = state(ctx).db()
    with db.session() as s:
        existed = s.scalar(select(m.Edition.id).where(m.Edition.key == cat.edition.key)) is not None
        load_edition(s, cat)
        s.commit()
    c = cat.counts()
    result = {"edition": cat.edition.key, "standard": cat.edition.standard, "already_loaded": existed, **c}
    if json_out:
        print_json(result)
    elif existed:
        print(f"{cat.edition.standard} {cat.edition.key} is already loaded with the same content; nothing changed.")
    else:
        print(
            f"loaded {cat.edition.standard} {cat.edition.key}: {c['modules']} modules, {c['measures']} measures "
            f"({c['basic']} basic, {c['standard']} standard, {c['high']} high)"
        )


@app.command()
def diff(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="Older edition key, e.g. 2023"),
    new: str = typer.Argument(..., help="Newer edition key, e.g. 2024"),
    json_out: bool = JSON,
) -> None:
    """Measures added, removed and changed (title, level, text, responsible) between two editions."""
    from eits_tracker.catalog.diff import diff_editions

    db = state(ctx).db()
    with db.session() as s:
        d = diff_editions(s, queries.find_edition(s, old), queries.find_edition(s, new))
    if json_out:
        print_json(d.as_dict())
        return
    print(
        f"{old} → {new}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed, "
        f"{d.unchanged} unchanged"
    )
    for title, items in (("Added", d.added), ("Removed", d.removed)):
        if items:
            src = [
                {"code": c.code, "level": (c.new or c.old)["level"], "title": (c.new or c.old)["title"]} for c in items
            ]
            print()
            print_table(src, [("code", "Measure"), ("level", "Level"), ("title", "Title")], title=title)
    if d.changed:
        rows = []
        for c in d.changed:
            detail = []
            if "level" in c.fields:
                detail.append(f"level {c.old['level']} → {c.new['level']}")
            if "title" in c.fields:
                detail.append(f"title “{c.old['title']}” → “{c.new['title']}”")
            if "responsible" in c.fields:
                detail.append(f"responsible {c.old['responsible'] or '-'} → {c.new['responsible'] or '-'}")
            if "text" in c.fields:
                detail.append("text")
            rows.append({"code": c.code, "what": "; ".join(detail)})
        print()
        print_table(rows, [("code", "Measure"), ("what", "Changed")], title="Changed")


@app.command()
def export(
    ctx: typer.Context,
    edition: str = typer.Option(..., "--edition", "-e", help="Edition key"),
    fmt: str = typer.Option("oscal", "--format", "-f", help="oscal or native"),
    out: Path = typer.Option(..., "--out", "-o", help="Output file"),
) -> None:
    """Write an edition as an OSCAL 1.1 catalog (or the native JSON)."""
    from eits_tracker.catalog import native

    if fmt not in ("oscal", "native"):
        raise ValidationError(f"--format {fmt!r}: use oscal or native.")
    db = state(ctx).db()
    with db.session() as s:
        cat = queries.to_catalog(s, queries.find_edition(s, edition))
    if fmt == "native":
        native.write(cat, out)
    else:
        from eits_tracker.catalog.oscal import write_oscal

        write_oscal(cat, out)
    print(f"wrote {out} ({fmt}, {len(cat.measures)} measures)")
