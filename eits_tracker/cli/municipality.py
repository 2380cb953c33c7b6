"""``eits-tracker municipality list|show|set-approach|apply-module|exclude-module``"""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.cli.common import print_json, print_table, state
from eits_tracker.db import models as m
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import status_overview

app = typer.Typer(help="The 79 municipalities: edition, approach, applicable modules.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")
APPROACH_NAMES = {"basic": "põhiturve (basic)", "standard": "standardturve (basic + standard)"}


def _edition_keys(s: Session) -> dict[int, str]:
    return {eid: key for eid, key in s.execute(select(m.Edition.id, m.Edition.key))}


def _brief(mu: m.Municipality, edition_keys: dict[int, str]) -> dict[str, Any]:
    return {
        "ehak_code": mu.ehak_code,
        "name": mu.name,
        "kind": mu.kind,
        "county": mu.county,
        "population": mu.population,
        "edition": edition_keys.get(mu.edition_id) if mu.edition_id else None,
        "approach": mu.approach,
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    county: str | None = typer.Option(None, "--county", help="Only this county (prefix, e.g. 'Tartu')"),
    json_out: bool = JSON,
) -> None:
    """All municipalities with EHAK code, county, edition and approach."""
    db = state(ctx).db()
    with db.session() as s:
        keys = _edition_keys(s)
        rows = [_brief(mu, keys) for mu in munis.list_municipalities(s, county=county)]
    if json_out:
        print_json(rows)
        return
    print_table(
        rows,
        [
            ("ehak_code", "EHAK"),
            ("name", "Name"),
            ("kind", "Kind"),
            ("county", "County"),
            ("population", "Population"),
            ("edition", "Edition"),
            ("approach", "Approach"),
        ],
        title=f"{len(rows)} municipalities",
    )


@app.command()
def show(
    ctx: typer.Context, municipality: str = typer.Argument(..., help="EHAK code or name"), json_out: bool = JSON
) -> None:
    """One municipality: edition, approach, modules in scope, exclusions, target objects, status counts."""
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        data = _brief(mu, _edition_keys(s))
        modules = sorted(munis.applicable_modules(s, mu))
        overrides = munis.module_overrides(s, mu)
        rows = [r for r in status_overview(s, mu) if r.level in munis.APPROACHES[mu.approach]]
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        data.update(
            applicable_modules=modules,
            added_modules=[{"module": o.module_code, "reason": o.reason} for o in overrides if o.applicable],
            excluded_modules=[{"module": o.module_code, "reason": o.reason} for o in overrides if not o.applicable],
            target_objects=[{"name": t.name, "kind": t.kind, "default": t.is_default} for t in munis.targets(s, mu)],
            measures_in_scope=len(rows),
            status_counts=counts,
            needs_review=sum(1 for r in rows if r.needs_review),
        )
    if json_out:
        print_json(data)
        return
    print(f"{data['name']} ({data['ehak_code']}), {data['kind']}, {data['county']}, population {data['population']}")
    print(f"edition E-ITS {data['edition']} · approach {APPROACH_NAMES.get(data['approach'], data['approach'])}")
    print(f"{len(modules)} applicable modules: {', '.join(modules)}")
    for o in data["added_modules"]:
        print(f"  added {o['module']}: {o['reason']}")
    for o in data["excluded_modules"]:
        print(f"  excluded {o['module']}: {o['reason']}")
    print("target objects: " + "; ".join(f"{t['name']} ({t['kind']})" for t in data["target_objects"]))
    print(
        f"{data['measures_in_scope']} {' and '.join(munis.APPROACHES[data['approach']])} measures in scope: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + (f"; {data['needs_review']} need review after an edition change" if data["needs_review"] else "")
    )


@app.command("set-approach")
def set_approach(
    ctx: typer.Context,
    municipality: str = typer.Argument(..., help="EHAK code or name"),
    approach: str = typer.Argument(..., help="basic (põhiturve) or standard (standardturve)"),
) -> None:
    """Set the target approach: põhiturve (basic measures) or standardturve (basic + standard)."""
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        munis.set_approach(s, mu, approach)
        s.commit()
        print(f"{mu.name}: approach {APPROACH_NAMES[mu.approach]}")


def _applicability(ctx: typer.Context, municipality: str, module: str, reason: str, applicable: bool) -> None:
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        row = munis.set_module_applicability(s, mu, module, applicable=applicable, reason=reason, actor=db.actor)
        s.commit()
        verb = "applies" if applicable else "is excluded"
        print(f"{mu.name}: {row.module_code} {verb}" + (f" ({row.reason})" if row.reason else ""))


@app.command("apply-module")
def apply_module(
    ctx: typer.Context,
    municipality: str = typer.Argument(..., help="EHAK code or name"),
    module: str = typer.Argument(..., help="Module code, e.g. APP.EE.1"),
    reason: str = typer.Option("", "--reason", help="Why it applies"),
) -> None:
    """Add a module to the municipality's scope (beyond the KOV profile)."""
    _applicability(ctx, municipality, module, reason, True)


@app.command("exclude-module")
def exclude_module(
    ctx: typer.Context,
    municipality: str = typer.Argument(..., help="EHAK code or name"),
    module: str = typer.Argument(..., help="Module code, e.g. IND.2.1"),
    reason: str = typer.Option(..., "--reason", help="Why it does not apply (required)"),
) -> None:
    """Exclude a module from the municipality's scope, with the reason."""
    _applicability(ctx, municipality, module, reason, False)
