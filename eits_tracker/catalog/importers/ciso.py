"""Import a CISO Assistant framework library (YAML), such as intuitem's ``e-its-2024.yaml``.

``objects.framework.requirement_nodes`` is a flat list linked by ``parent_urn``. Depth alone does
not say what a node is (modules sit at depth 2, 3 or 4, measures at 3, 4 or 5), so the roles are
read from the structure: an ``assessable`` node is a measure; a non-assessable node whose children
include measures is a module; a root node is a layer; any other non-assessable node is a sub-group.
The measure level comes from ``implementation_groups`` (P/S/K = põhi-, standard-, kõrgmeede).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eits_tracker.catalog.importers._common import (
    RIA_ATTRIBUTION,
    clean_text,
    expect,
    field,
    load_yaml,
    source_name,
    validate_edition,
)
from eits_tracker.catalog.model import CatalogEdition, layer_kind, level_from_text
from eits_tracker.errors import CatalogError


def import_ciso(path: Path, *, key: str | None = None) -> CatalogEdition:
    return ciso_from_data(load_yaml(path), source=source_name(path), key=key)


def ciso_from_data(data: Any, *, source: str, key: str | None = None) -> CatalogEdition:
    expect(data, dict, source=source, where="top level", hint="Expected a CISO Assistant library (urn, objects...).")
    objects = expect(data.get("objects"), dict, source=source, where="objects")
    framework = expect(objects.get("framework"), dict, source=source, where="objects.framework")
    nodes = expect(framework.get("requirement_nodes"), list, source=source, where="objects.framework.requirement_nodes")
    parsed = [_node(n, i, source) for i, n in enumerate(nodes)]
    by_urn: dict[str, dict[str, Any]] = {}
    for n in parsed:
        if n["urn"] in by_urn:
            raise CatalogError(f"{source}: {n['where']}: duplicate urn {n['urn']!r}; each node needs its own urn.")
        by_urn[n["urn"]] = n
    for n in parsed:
        if n["parent"] is not None and n["parent"] not in by_urn:
            raise CatalogError(
                f"{source}: {n['where']}: parent_urn {n['parent']!r} is not a node of this library; "
                "the measure's module is missing."
            )
    module_urns = {n["parent"] for n in parsed if n["assessable"]}
    layers, modules, measures = [], [], []
    seen: dict[str, str] = {}
    for n in parsed:
        if n["assessable"]:
            measures.append(_measure(n, by_urn, source))
            if n["code"] in seen:
                raise CatalogError(
                    f"{source}: {n['where']}: duplicate measure code, first seen at {seen[n['code']]}. "
                    "Each measure code must appear once."
                )
            seen[n["code"]] = n["where"]
            continue
        chain = _ancestors(n, by_urn, source)
        layer = chain[-1] if chain else n
        if n["urn"] in module_urns:
            parent = by_urn[n["parent"]] if n["parent"] else None
            modules.append(
                {
                    "code": n["code"],
                    "title": n["title"],
                    "layer": layer["code"],
                    "subgroup": parent["code"] if parent is not None and parent is not layer else None,
                    "kind": layer_kind(layer["code"]),
                }
            )
        else:
            parent_code = by_urn[n["parent"]]["code"] if n["parent"] else None
            layers.append(
                {"code": n["code"], "title": n["title"], "kind": layer_kind(layer["code"]), "parent": parent_code}
            )
    year = _year(data, framework)
    edition = {
        "key": key or (str(year) if year else str(framework.get("ref_id") or "ciso")),
        "year": year,
        "title": str(framework.get("name") or data.get("name") or "CISO Assistant library"),
        "language": str(data.get("locale") or "et"),
        "source": f"CISO Assistant framework library {data.get('urn') or ''}".strip(),
        "source_url": "https://eits.ria.ee",
        "attribution": RIA_ATTRIBUTION,
    }
    return validate_edition(
        {"edition": edition, "layers": layers, "modules": modules, "measures": measures}, source=source
    )


def _node(raw: Any, i: int, source: str) -> dict[str, Any]:
    where = f"requirement_nodes.{i}"
    expect(raw, dict, source=source, where=where)
    code = field(raw, "ref_id", source=source, where=where).strip()
    where = f"{where} ({code})"
    urn = field(raw, "urn", source=source, where=where).strip()
    assessable = raw.get("assessable", False)
    expect(assessable, bool, source=source, where=f"{where}: assessable")
    return {
        "where": where,
        "urn": urn,
        "parent": field(raw, "parent_urn", source=source, where=where, required=False).strip() or None,
        "code": code,
        "title": " ".join(field(raw, "name", source=source, where=where, required=False).split()) or code,
        "assessable": assessable,
        "raw": raw,
    }


def _ancestors(node: dict[str, Any], by_urn: dict[str, dict[str, Any]], source: str) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    current = node
    while current["parent"] is not None:
        current = by_urn[current["parent"]]
        if len(chain) > len(by_urn) or current is node:
            raise CatalogError(f"{source}: {node['where']}: parent_urn links form a loop.")
        chain.append(current)
    return chain


def _measure(n: dict[str, Any], by_urn: dict[str, dict[str, Any]], source: str) -> dict[str, Any]:
    raw, where = n["raw"], n["where"]
    parent = by_urn.get(n["parent"] or "")
    if parent is None:
        raise CatalogError(f"{source}: {where}: an assessable node needs a parent_urn naming its module.")
    if parent["assessable"]:
        raise CatalogError(
            f"{source}: {where}: sits under another measure ({parent['code']}); nesting is not supported."
        )
    groups = expect(
        raw.get("implementation_groups") or [], list, source=source, where=f"{where}: implementation_groups"
    )
    if len(groups) != 1 or not isinstance(groups[0], str):
        raise CatalogError(f"{source}: {where}: implementation_groups {groups!r} — expected exactly one of P, S or K.")
    try:
        level = level_from_text(groups[0])
    except ValueError:
        raise CatalogError(f"{source}: {where}: unknown level {groups[0]!r} — expected P, S or K.") from None
    return {
        "code": n["code"],
        "module": parent["code"],
        "title": n["title"],
        "level": level,
        "text": clean_text(field(raw, "description", source=source, where=where, required=False)),
    }


def _year(data: dict[str, Any], framework: dict[str, Any]) -> int | None:
    for text in (framework.get("ref_id"), framework.get("name"), data.get("ref_id")):
        found = re.search(r"(19|20)[0-9]{2}", str(text or ""))
        if found:
            return int(found.group(0))
    return None
