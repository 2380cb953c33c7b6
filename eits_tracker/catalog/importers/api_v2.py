"""Import the E-ITS portal REST API v2: the modules-and-measures dump, plus the optional catalog tree.

The dump (``/api/2/catalog/<year>/<moduleId>`` for every module) is a list of modules, each with its
measures. The tree (``/api/2/catalog/<year>``) adds the layers, their sub-groups and the validity
dates. Readings (see catalog/README.md): the *last* entry of a measure's ``assignees`` is the
responsible role (it equals the role named in the module's "vastutab ..." sentence), the entries
before it are co-assignees; a measure's empty ``risks`` falls back to the RISKS_<year> cross-reference.
"""

from __future__ import annotations

from datetime import date
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
    strip_code_prefix,
    validate_edition,
)
from eits_tracker.catalog.model import CatalogEdition, layer_kind, level_from_text
from eits_tracker.errors import CatalogError

LEVEL_HINT = "expected Põhimeede/Standardmeede/Kõrgmeede"


def import_api_v2(
    path: Path,
    *,
    tree: Path | None = None,
    elementary_threats: Path | None = None,
    measure_threats: Path | None = None,
    key: str | None = None,
) -> CatalogEdition:
    """Read the dump at ``path`` (and the optional tree and threat files) into an edition."""
    return api_v2_with_files(
        load_json(path),
        source=source_name(path),
        tree=tree,
        elementary_threats=elementary_threats,
        measure_threats=measure_threats,
        key=key,
    )


def api_v2_with_files(
    data: Any,
    *,
    source: str,
    tree: Path | None = None,
    elementary_threats: Path | None = None,
    measure_threats: Path | None = None,
    key: str | None = None,
) -> CatalogEdition:
    """The parsed dump plus the side files named by path."""
    tree_data = (load_json(tree), source_name(tree)) if tree else None
    return api_v2_from_data(
        data,
        source=source,
        tree=tree_data,
        threats=load_elementary_threats(elementary_threats) if elementary_threats else [],
        risks=load_measure_threats(measure_threats, _year_of(tree_data)) if measure_threats else {},
        key=key,
    )


def api_v2_from_data(
    data: Any,
    *,
    source: str,
    tree: tuple[Any, str] | None = None,
    threats: list[dict[str, str]] | None = None,
    risks: dict[str, list[str]] | None = None,
    key: str | None = None,
) -> CatalogEdition:
    """Build an edition from the parsed dump; ``tree`` is (parsed tree, its file name)."""
    expect(data, list, source=source, where="top level", hint="Expected the API v2 list of modules with measures.")
    modules: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(data):
        module, module_measures = _module(raw, i, source=source, risks=risks or {}, seen=seen)
        modules.append(module)
        measures.extend(module_measures)
    if tree is not None:
        layers, year, valid = _apply_tree(tree[0], modules, source=tree[1])
    else:
        layers, year, valid = eits_layers_from_codes([m["code"] for m in modules]), None, (None, None)
        for m in modules:
            m["layer"], m["subgroup"], m["kind"] = m["code"].split(".")[0], None, layer_kind(m["code"].split(".")[0])
    key = key or (str(year) if year else "api-v2")
    edition = {
        "key": key,
        "year": year,
        "title": f"E-ITS {year}" if year else "E-ITS (portal API v2)",
        "valid_from": valid[0],
        "valid_to": valid[1],
        "source": f"E-ITS portal REST API v2 (/api/2/catalog/{year or '<year>'}), modules and measures",
        "source_url": "https://eits.ria.ee",
        "attribution": RIA_ATTRIBUTION,
    }
    return validate_edition(
        {"edition": edition, "layers": layers, "modules": modules, "measures": measures, "threats": threats or []},
        source=source,
    )


def _module(
    raw: Any, i: int, *, source: str, risks: dict[str, list[str]], seen: dict[str, str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    where = f"record {i}"
    expect(raw, dict, source=source, where=where)
    code = field(raw, "code", source=source, where=where).strip()
    where = f"record {i} ({code})"
    module = {
        "code": code,
        "title": strip_code_prefix(field(raw, "title", source=source, where=where), code),
        "layer": "",
        "kind": "process",
        "purpose": clean_text(field(raw, "purpose", source=source, where=where, required=False)),
        "responsibility": clean_text(field(raw, "responsibility", source=source, where=where, required=False)),
        "limits": clean_text(field(raw, "limits", source=source, where=where, required=False)),
    }
    raw_measures = expect(raw.get("measures") or [], list, source=source, where=f"{where}: measures")
    measures = [_measure(m, f"{where}, measure {j}", code, source, risks) for j, m in enumerate(raw_measures)]
    for m, j in zip(measures, range(len(measures)), strict=True):
        place = f"{where}, measure {j} ({m['code']})"
        if m["code"] in seen:
            raise CatalogError(
                f"{source}: {place}: duplicate measure code, first seen at {seen[m['code']]}. "
                "Each measure code must appear once."
            )
        seen[m["code"]] = place
    return module, measures


def _measure(raw: Any, where: str, module_code: str, source: str, risks: dict[str, list[str]]) -> dict[str, Any]:
    expect(raw, dict, source=source, where=where)
    code = field(raw, "code", source=source, where=where).strip()
    where = f"{where} ({code})"
    declared = field(raw, "module_code", source=source, where=where, required=False).strip()
    if declared and declared != module_code:
        raise CatalogError(
            f"{source}: {where}: module_code {declared!r} differs from the module {module_code!r} it is listed in."
        )
    group = field(raw, "group", source=source, where=where)
    try:
        level = level_from_text(group)
    except ValueError:
        raise CatalogError(f"{source}: {where}: unknown level {group!r} — {LEVEL_HINT}.") from None
    assignees = [
        " ".join(expect(a, str, source=source, where=f"{where}: assignees").split())
        for a in expect(raw.get("assignees") or [], list, source=source, where=f"{where}: assignees")
    ]
    assignees = [a for a in assignees if a]
    codes = [
        expect(t, str, source=source, where=f"{where}: risks").strip()
        for t in expect(raw.get("risks") or [], list, source=source, where=f"{where}: risks")
    ]
    codes = [t for t in codes if t] or list(risks.get(code, []))
    return {
        "code": code,
        "module": module_code,
        "title": strip_code_prefix(field(raw, "title", source=source, where=where), code),
        "level": level,
        "responsible": assignees[-1] if assignees else "",
        "co_assignees": assignees[:-1],
        **cia_flags(field(raw, "security_code", source=source, where=where, required=False), source, where),
        "lifecycle": None,
        "text": clean_text(field(raw, "description", source=source, where=where, required=False)),
        "threats": list(dict.fromkeys(codes)),
    }


def cia_flags(value: str, source: str, where: str) -> dict[str, bool]:
    """'CIA', 'C; I' or '' -> the three protection-goal booleans."""
    letters = value.replace(";", " ").replace(",", " ").split()
    letters = [ch for part in letters for ch in part.upper()]
    unknown = sorted(set(letters) - {"C", "I", "A"})
    if unknown:
        raise CatalogError(f"{source}: {where}: security code {value!r} has {unknown}: expected letters C, I and A.")
    return {"confidentiality": "C" in letters, "integrity": "I" in letters, "availability": "A" in letters}


def _apply_tree(
    tree: Any, modules: list[dict[str, Any]], *, source: str
) -> tuple[list[dict[str, Any]], int | None, tuple[date | None, date | None]]:
    """Layers and sub-groups from the tree; place each module (its layer and nearest sub-group)."""
    expect(tree, dict, source=source, where="top level", hint="Expected the response of /api/2/catalog/<year>.")
    groups = expect(tree.get("moduleGroups"), list, source=source, where="moduleGroups")
    layers: list[dict[str, Any]] = []
    tree_modules: dict[str, tuple[str, str | None, str]] = {}  # code -> (layer, subgroup, title)

    def walk(group: Any, where: str, top: str | None, parent: str | None) -> None:
        expect(group, dict, source=source, where=where)
        title = field(group, "groupTitle", source=source, where=where)
        raw_code = field(group, "groupCode", source=source, where=where, required=False) or title.split(" ")[0]
        code = raw_code.strip().rstrip(".:")
        if not code:
            raise CatalogError(f"{source}: {where}: group {title!r} has no code.")
        layer = top or code
        layers.append(
            {"code": code, "title": strip_code_prefix(title, code), "kind": layer_kind(layer), "parent": parent}
        )
        for j, mod in enumerate(expect(group.get("modules") or [], list, source=source, where=f"{where}.modules")):
            expect(mod, dict, source=source, where=f"{where}.modules.{j}")
            mcode = field(mod, "moduleCode", source=source, where=f"{where}.modules.{j}").strip()
            mtitle = strip_code_prefix(field(mod, "moduleTitle", source=source, where=f"{where}.modules.{j}"), mcode)
            tree_modules[mcode] = (layer, code if top else None, mtitle)
        subgroups = expect(group.get("moduleSubgroups") or [], list, source=source, where=f"{where}.moduleSubgroups")
        for j, sub in enumerate(subgroups):
            walk(sub, f"{where}.moduleSubgroups.{j}", layer, code)

    for i, group in enumerate(groups):
        walk(group, f"moduleGroups.{i}", None, None)
    layer_codes = {lay["code"] for lay in layers}
    for m in modules:
        m["layer"], m["subgroup"] = _place(m["code"], tree_modules, layers, layer_codes)
        m["kind"] = layer_kind(m["layer"])
    return layers, _year_of((tree, source)), (_date(tree, "validFrom", source), _date(tree, "validTo", source))


def _place(
    code: str,
    tree_modules: dict[str, tuple[str, str | None, str]],
    layers: list[dict[str, Any]],
    layer_codes: set[str],
) -> tuple[str, str | None]:
    """A module's layer and sub-group. A tree module that the dump splits (SYS.1.2 into SYS.1.2.2,
    SYS.1.2.3) becomes a sub-group of the parts."""
    if code in tree_modules:
        return tree_modules[code][:2]
    parts = code.split(".")
    for n in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in tree_modules:
            layer, parent, title = tree_modules[prefix]
            if prefix not in layer_codes:
                layers.append({"code": prefix, "title": title, "kind": layer_kind(layer), "parent": parent or layer})
                layer_codes.add(prefix)
            return layer, prefix
        if prefix in layer_codes:
            return parts[0], prefix if n > 1 else None
    if parts[0] not in layer_codes:
        layers.append({"code": parts[0], "title": parts[0], "kind": layer_kind(parts[0]), "parent": None})
        layer_codes.add(parts[0])
    return parts[0], None


def _year_of(tree: tuple[Any, str] | None) -> int | None:
    if tree is None or not isinstance(tree[0], dict):
        return None
    version = str(tree[0].get("version") or "")
    return int(version) if version.isdigit() else None


def _date(tree: dict[str, Any], key: str, source: str) -> date | None:
    value = field(tree, key, source=source, where="top level", required=False)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise CatalogError(f"{source}: {key} {value!r} is not a date like 2024-01-30.") from None


def load_elementary_threats(path: Path) -> list[dict[str, str]]:
    """The 47 elementary threats (G 0.1 – G 0.47); descriptions are HTML and become plain text."""
    source = source_name(path)
    data = expect(load_json(path), list, source=source, where="top level", hint="Expected a list of threats.")
    out = []
    for i, raw in enumerate(data):
        expect(raw, dict, source=source, where=f"record {i}")
        code = " ".join(field(raw, "code", source=source, where=f"record {i}").split())
        where = f"record {i} ({code})"
        title = field(raw, "title", source=source, where=where, required=False)
        title = title or strip_code_prefix(field(raw, "combined_title", source=source, where=where), code)
        description = clean_text(field(raw, "description", source=source, where=where, required=False))
        out.append({"code": code, "title": " ".join(title.split()), "description": description})
    return out


def load_measure_threats(path: Path, year: int | None = None) -> dict[str, list[str]]:
    """The portal's measure → threat cross-reference, ``RISKS_<year>`` (the latest year when not given)."""
    source = source_name(path)
    data = expect(load_json(path), dict, source=source, where="top level", hint="Expected {'RISKS_2023': {...}}.")
    keys = sorted(k for k in data if k.startswith("RISKS_"))
    wanted = f"RISKS_{year}" if year else (keys[-1] if keys else "RISKS_<year>")
    if wanted not in data:
        raise CatalogError(f"{source}: no {wanted} table (found {', '.join(keys) or 'none'}).")
    table = expect(data[wanted], dict, source=source, where=wanted)
    out: dict[str, list[str]] = {}
    for code, codes in table.items():
        items = expect(codes, list, source=source, where=f"{wanted}.{code}")
        out[code] = [c.strip() for c in items if isinstance(c, str) and c.strip()]
    return out
