"""Export an edition as an OSCAL 1.1 catalog (JSON), deterministically.

Layers and sub-groups become nested ``groups`` (class ``layer`` / ``subgroup``), each module a group
of class ``module`` holding its measures as ``controls``. A control carries its level, lifecycle,
CIA flags, responsible role, co-assignees and sector-profile priorities as props in the
eits-tracker namespace, its text as the ``statement`` part, and links (rel ``threat``) to back-matter
resources, one per elementary threat. Every UUID is a uuid5 of a code, and ``last-modified`` is
derived from the edition, so the same edition always exports the same bytes.
:mod:`eits_tracker.catalog.importers.oscal_in` reads the result back.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from eits_tracker.catalog.model import CatalogEdition, Layer, Measure, Module

OSCAL_VERSION = "1.1.3"
NS = "urn:eits-tracker:oscal"
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
_NS_BYTES = UUID_NAMESPACE.bytes
_TOKEN_BAD = re.compile(r"[^\w.\-]")


def stable_uuid(*parts: str) -> str:
    """uuid5 of the parts in our namespace — computed directly (a report makes 90 000 of them; the same
    strings as ``str(uuid.uuid5(UUID_NAMESPACE, ...))``, at a third of the cost)."""
    digest = bytearray(hashlib.sha1(_NS_BYTES + "\x1f".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def token(code: str) -> str:
    """An OSCAL id (token) for a code: 'G 0.18' -> 'G_0.18'; never starts with a digit or dot."""
    out = _TOKEN_BAD.sub("_", code)
    return out if out and (out[0].isalpha() or out[0] == "_") else "_" + out


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": value}


def export_oscal(edition: CatalogEdition) -> dict[str, Any]:
    """The edition as an OSCAL catalog document (``{"catalog": {...}}``)."""
    ed = edition.edition
    threat_uuid = {t.code: stable_uuid(ed.standard, ed.key, "threat", t.code) for t in edition.threats}
    measures_by_module: dict[str, list[Measure]] = defaultdict(list)
    for m in edition.measures:
        measures_by_module[m.module].append(m)
    priorities: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for profile in edition.profiles:
        for code, priority in profile.priorities.items():
            priorities[code].append((profile.key, priority))
    ids = _Ids()
    children: dict[str | None, list[Layer]] = defaultdict(list)
    for layer in edition.layers:
        children[layer.parent].append(layer)
    modules_in: dict[str, list[Module]] = defaultdict(list)
    for mod in edition.modules:
        modules_in[mod.subgroup or mod.layer].append(mod)

    module_index = {mod.code: i for i, mod in enumerate(edition.modules)}

    def position(layer: Layer) -> int:
        """Where a layer's first module stands in the edition (layers without modules go last)."""
        inside = [module_index[mod.code] for mod in modules_in.get(layer.code, [])]
        inside += [position(child) for child in children.get(layer.code, [])]
        return min(inside, default=len(module_index))

    def control(m: Measure) -> dict[str, Any]:
        props = [_prop("label", m.code), _prop("level", m.level)]
        if m.lifecycle:
            props.append(_prop("lifecycle", m.lifecycle))
        if m.cia:
            props.append(_prop("cia", m.cia))
        if m.responsible.strip():
            props.append(_prop("responsible", m.responsible))
        props += [_prop("co-assignee", a) for a in m.co_assignees if a.strip()]
        props += [_prop(f"priority-{key}", p) for key, p in priorities.get(m.code, [])]
        out: dict[str, Any] = {"id": ids.get(m.code), "class": "measure", "title": m.title or m.code, "props": props}
        links = [{"href": f"#{threat_uuid[t]}", "rel": "threat", "text": t} for t in m.threats if t in threat_uuid]
        if links:
            out["links"] = links
        if m.text.strip():
            out["parts"] = [{"id": f"{out['id']}_smt", "name": "statement", "prose": m.text}]
        return out

    def module_group(mod: Module) -> dict[str, Any]:
        group: dict[str, Any] = {
            "id": ids.get(mod.code),
            "class": "module",
            "title": mod.title or mod.code,
            "props": [_prop("label", mod.code)],
        }
        parts = [
            {"id": f"{group['id']}_{name}", "name": name, "ns": NS, "prose": text}
            for name, text in (("purpose", mod.purpose), ("responsibility", mod.responsibility), ("limits", mod.limits))
            if text.strip()
        ]
        if parts:
            group["parts"] = parts
        controls = [control(m) for m in measures_by_module.get(mod.code, [])]
        if controls:
            group["controls"] = controls
        return group

    def layer_group(layer: Layer) -> dict[str, Any]:
        group: dict[str, Any] = {
            "id": ids.get(layer.code),
            "class": "layer" if layer.parent is None else "subgroup",
            "title": layer.title or layer.code,
            "props": [_prop("label", layer.code), _prop("kind", layer.kind)],
        }
        # sub-groups and modules interleaved as the edition orders its modules, so a re-import keeps the order
        items: list[tuple[int, dict[str, Any]]] = [
            (position(child), layer_group(child)) for child in children[layer.code]
        ]
        items += [(module_index[mod.code], module_group(mod)) for mod in modules_in.get(layer.code, [])]
        if items:
            group["groups"] = [g for _, g in sorted(items, key=lambda item: item[0])]
        return group

    catalog: dict[str, Any] = {
        "uuid": stable_uuid(ed.standard, ed.key, "catalog"),
        "metadata": _metadata(edition),
        "groups": [layer_group(layer) for layer in children.get(None, [])],
    }
    if edition.threats:
        catalog["back-matter"] = {
            "resources": [
                {
                    "uuid": threat_uuid[t.code],
                    "title": f"{t.code}: {t.title}",
                    **({"description": t.description} if t.description.strip() else {}),
                    "props": [_prop("threat-code", t.code), _prop("threat-title", t.title or t.code)],
                }
                for t in edition.threats
            ]
        }
    return {"catalog": catalog}


class _Ids:
    """Unique OSCAL ids: layers, modules and measures share one id space in a document."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def get(self, code: str) -> str:
        base = token(code)
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate


def _metadata(edition: CatalogEdition) -> dict[str, Any]:
    ed = edition.edition
    stamp = ed.valid_from or (date(ed.year, 1, 1) if ed.year else date(2000, 1, 1))
    props = [
        _prop("standard", ed.standard),
        _prop("edition-key", ed.key),
        _prop("language", ed.language),
        _prop("edition-title", ed.title),
    ]
    props += [
        _prop(name, str(value))
        for name, value in (("year", ed.year), ("valid-from", ed.valid_from), ("valid-to", ed.valid_to))
        if value
    ]
    props += [
        _prop(name, value) for name, value in (("source", ed.source), ("source-url", ed.source_url)) if value.strip()
    ]
    props += [_prop("source-file", f"{s.name} sha256:{s.sha256}") for s in ed.sources]
    props += [_prop("profile", f"{p.key}: {p.title}") for p in edition.profiles]
    party = stable_uuid("party", ed.publisher)
    remarks = "\n\n".join(x for x in [ed.attribution, *ed.notes] if x.strip())
    meta: dict[str, Any] = {
        "title": ed.title,
        "last-modified": f"{stamp.isoformat()}T00:00:00+00:00",
        "version": ed.key,
        "oscal-version": OSCAL_VERSION,
        "props": props,
        "roles": [{"id": "creator", "title": "Creator"}],
        "parties": [{"uuid": party, "type": "organization", "name": ed.publisher or "Unknown"}],
        "responsible-parties": [{"role-id": "creator", "party-uuids": [party]}],
    }
    if ed.source_url.strip():
        meta["links"] = [{"href": ed.source_url, "rel": "alternate", "text": ed.publisher or ed.source_url}]
    if remarks:
        meta["remarks"] = remarks
    return meta


def dumps_oscal(edition: CatalogEdition) -> str:
    return json.dumps(export_oscal(edition), ensure_ascii=False, indent=1) + "\n"


def write_oscal(edition: CatalogEdition, path: Path) -> Path:
    """Write the OSCAL catalog JSON to ``path`` (atomically) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps_oscal(edition), encoding="utf-8")
    tmp.replace(path)
    return path
