"""Import the flat 2024 measure list (``measures-flat.json``), merged with a structure source.

Each record is one measure: ``mid, pid`` (module), ``level, responsible, lifecycle``, ``assignee``
("; "-separated co-assignees), ``cia`` ("C; I; A"), ``title`` and ``content`` (paragraphs joined by
"[NL]"). The list has no module titles or layers, so they come from another edition (the CISO
Assistant library for 2024); without one, modules are titled by their code and placed in the
E-ITS layer named by the code's first part. Threats can be carried over by measure code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eits_tracker.catalog.importers._common import (
    RIA_ATTRIBUTION,
    clean_text,
    eits_layers_from_codes,
    expect,
    field,
    load_json,
    source_name,
    validate_edition,
)
from eits_tracker.catalog.importers.api_v2 import LEVEL_HINT, cia_flags
from eits_tracker.catalog.model import CatalogEdition, layer_kind, level_from_text, lifecycle_from_text
from eits_tracker.errors import CatalogError

LIFECYCLE_HINT = "expected Kavandamine, Evitus, Käitus, Seire, Parendamine, Kõrvaldamine or empty"


def import_flat2024(
    path: Path,
    *,
    structure: CatalogEdition | None = None,
    threats: list[dict[str, str]] | None = None,
    threat_map: Mapping[str, list[str]] | None = None,
    key: str | None = None,
) -> CatalogEdition:
    """Read the flat list; ``structure`` gives module titles, layers and sub-groups."""
    return flat2024_from_data(
        load_json(path), source=source_name(path), structure=structure, threats=threats, threat_map=threat_map, key=key
    )


def flat2024_from_data(
    data: Any,
    *,
    source: str,
    structure: CatalogEdition | None = None,
    threats: list[dict[str, str]] | None = None,
    threat_map: Mapping[str, list[str]] | None = None,
    key: str | None = None,
) -> CatalogEdition:
    expect(data, list, source=source, where="top level", hint="Expected the flat list of 2024 measures.")
    measures: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    module_order: list[str] = []
    for i, raw in enumerate(data):
        m = _measure(raw, i, source, threat_map or {})
        if m["code"] in seen:
            raise CatalogError(
                f"{source}: record {i} ({m['code']}): duplicate measure code, first seen at {seen[m['code']]}. "
                "Each measure code must appear once."
            )
        seen[m["code"]] = f"record {i}"
        if m["module"] not in module_order:
            module_order.append(m["module"])
        measures.append(m)
    notes: list[str] = []
    seen_modules = set(module_order)
    if structure is not None:
        known = {mod.code: mod for mod in structure.modules}
        missing = [(where, code) for where, code in _first_records(measures, seen) if code not in known]
        if missing:
            where, code = missing[0]
            raise CatalogError(
                f"{source}: {where}: module {code!r} is not in the structure source "
                f"({structure.edition.title}); {len(missing)} module(s) missing. Use a structure edition that has it."
            )
        # the structure's module order, and measures grouped by module in that order (as OSCAL nests them)
        modules = [mod.model_dump(mode="json") for mod in structure.modules if mod.code in seen_modules]
        position = {m["code"]: i for i, m in enumerate(modules)}
        measures.sort(key=lambda m: position[m["module"]])
        used_layers = {m["layer"] for m in modules} | {m["subgroup"] for m in modules if m["subgroup"]}
        layers = [lay.model_dump(mode="json") for lay in structure.layers]
        layers = [lay for lay in layers if lay["code"] in used_layers or _is_ancestor(lay["code"], used_layers, layers)]
    else:
        layers = eits_layers_from_codes(module_order)
        modules = [
            {"code": c, "title": c, "layer": c.split(".")[0], "kind": layer_kind(c.split(".")[0])} for c in module_order
        ]
        notes.append("No structure source was given: module titles are the module codes.")
    edition = {
        "key": key or "2024",
        "year": 2024,
        "title": "E-ITS 2024",
        "source": "Flat E-ITS 2024 measure list (measures-flat.json)"
        + (f" with module titles and layers from {structure.edition.source}" if structure is not None else ""),
        "source_url": "https://eits.ria.ee",
        "attribution": RIA_ATTRIBUTION,
        "notes": notes,
    }
    return validate_edition(
        {"edition": edition, "layers": layers, "modules": modules, "measures": measures, "threats": threats or []},
        source=source,
    )


def _measure(raw: Any, i: int, source: str, threat_map: Mapping[str, list[str]]) -> dict[str, Any]:
    where = f"record {i}"
    expect(raw, dict, source=source, where=where)
    code = field(raw, "mid", source=source, where=where).strip()
    where = f"record {i} ({code})"
    module = field(raw, "pid", source=source, where=where).strip()
    if not code.startswith(module + ".M"):
        raise CatalogError(f"{source}: {where}: measure code does not belong to its module pid {module!r}.")
    level_text = field(raw, "level", source=source, where=where)
    try:
        level = level_from_text(level_text)
    except ValueError:
        raise CatalogError(f"{source}: {where}: unknown level {level_text!r} — {LEVEL_HINT}.") from None
    phase = field(raw, "lifecycle", source=source, where=where, required=False)
    try:
        lifecycle = lifecycle_from_text(phase)
    except ValueError:
        raise CatalogError(f"{source}: {where}: unknown lifecycle phase {phase!r} — {LIFECYCLE_HINT}.") from None
    assignees = field(raw, "assignee", source=source, where=where, required=False).split(";")
    content = field(raw, "content", source=source, where=where, required=False).replace("[NL]", "\n")
    return {
        "code": code,
        "module": module,
        "title": " ".join(field(raw, "title", source=source, where=where).split()),
        "level": level,
        "responsible": " ".join(field(raw, "responsible", source=source, where=where, required=False).split()),
        "co_assignees": [" ".join(a.split()) for a in assignees if a.strip()],
        **cia_flags(field(raw, "cia", source=source, where=where, required=False), source, where),
        "lifecycle": lifecycle,
        "text": clean_text(content),
        "threats": list(threat_map.get(code, [])),
    }


def _first_records(measures: list[dict[str, Any]], seen: dict[str, str]) -> list[tuple[str, str]]:
    """(record where a module first appears, module code), in file order."""
    out: dict[str, str] = {}
    for m in measures:
        out.setdefault(m["module"], f"{seen[m['code']]} ({m['code']})")
    return [(where, code) for code, where in out.items()]


def _is_ancestor(code: str, used: set[str], layers: list[dict[str, Any]]) -> bool:
    parents = {lay["code"]: lay["parent"] for lay in layers}
    for start in used:
        current = parents.get(start)
        while current is not None:
            if current == code:
                return True
            current = parents.get(current)
    return False
