"""Import an OSCAL 1.1 catalog (JSON): our own export, or another standard such as BSI Grundschutz++.

Top-level groups become layers; a group that holds controls becomes a module (its code from the
``label`` prop, else its id); other nested groups become sub-groups. Controls, including nested
control enhancements, become the measures of the module that holds them. Our own export is read
back exactly (props in the eits-tracker namespace). For other catalogues the level comes from a
``sec_level`` prop (Grundschutz++: ``normal-SdT`` → standard, ``erhöht`` → high; none → standard),
and the text is the statement prose with parameters filled in, followed by the guidance.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eits_tracker.catalog.importers._common import clean_text, expect, field, load_json, source_name, validate_edition
from eits_tracker.catalog.model import SYSTEM_LAYERS, CatalogEdition
from eits_tracker.catalog.oscal import NS
from eits_tracker.errors import CatalogError

SEC_LEVELS = {"normal-sdt": "standard", "normal": "standard", "basis": "basic", "erhöht": "high", "hoch": "high"}

#: Catalogues we recognise by title: their standard name, language and licence.
KNOWN_CATALOGUES: dict[str, dict[str, str]] = {
    "Anwenderkatalog Grundschutz++": {
        "key": "grundschutz-pp",
        "standard": "Grundschutz++",
        "language": "de",
        "publisher": "Bundesamt für Sicherheit in der Informationstechnik (BSI)",
        "source_url": "https://github.com/BSI-Bund/Stand-der-Technik-Bibliothek",
        "attribution": "Anwenderkatalog Grundschutz++ © Bundesamt für Sicherheit in der Informationstechnik (BSI), "
        "licensed under CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). "
        "Converted to the eits-tracker format; adaptations are shared under the same licence.",
    }
}
_PARAM = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")


def import_oscal(path: Path, *, key: str | None = None, standard: str | None = None) -> CatalogEdition:
    return oscal_from_data(load_json(path), source=source_name(path), key=key, standard=standard)


def oscal_from_data(data: Any, *, source: str, key: str | None = None, standard: str | None = None) -> CatalogEdition:
    expect(data, dict, source=source, where="top level", hint='Expected an OSCAL document {"catalog": {...}}.')
    catalog = expect(data.get("catalog"), dict, source=source, where="catalog", hint="Only OSCAL catalogs are read.")
    meta = expect(catalog.get("metadata"), dict, source=source, where="catalog.metadata")
    ours = _our_props(meta.get("props") or [], source, "catalog.metadata.props")
    title = field(meta, "title", source=source, where="catalog.metadata")
    known = KNOWN_CATALOGUES.get(title, {})
    std = standard or ours.get("standard", [None])[0] or known.get("standard") or title
    state = _State(source, threats=_threats(catalog, source), exact=bool(ours))
    for i, group in enumerate(expect(catalog.get("groups") or [], list, source=source, where="catalog.groups")):
        state.group(group, f"catalog.groups.{i}", layer=None, parent=None)
    if catalog.get("controls"):
        raise CatalogError(f"{source}: catalog.controls: controls outside any group are not supported.")

    def one(name: str) -> str | None:
        return ours.get(name, [None])[0]

    edition = {
        "key": key or one("edition-key") or known.get("key") or str(meta.get("version") or "oscal"),
        "standard": std,
        "year": int(one("year")) if (one("year") or "").isdigit() else None,
        "title": one("edition-title") or title,
        "language": one("language") or known.get("language", "en"),
        "valid_from": one("valid-from"),
        "valid_to": one("valid-to"),
        "publisher": _publisher(meta) or known.get("publisher", ""),
        "source": one("source") or f"OSCAL catalog {title} (version {meta.get('version', '?')})",
        "source_url": one("source-url") or known.get("source_url", ""),
        "attribution": known.get("attribution") or str(meta.get("remarks") or "").split("\n\n")[0],
        "notes": state.notes,
    }
    return validate_edition(
        {
            "edition": edition,
            "layers": state.layers,
            "modules": state.modules,
            "measures": state.measures,
            "threats": state.threat_list,
            "profiles": state.profiles(ours.get("profile", [])),
        },
        source=source,
    )


class _State:
    """Walks the group tree, collecting layers, modules and measures in document order."""

    def __init__(self, source: str, threats: dict[str, dict[str, str]], exact: bool) -> None:
        self.source, self.threats, self.exact = source, threats, exact
        self.layers: list[dict[str, Any]] = []
        self.modules: list[dict[str, Any]] = []
        self.measures: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.priorities: dict[str, dict[str, str]] = {}
        self.threat_list = list(threats.values())
        self.kinds: dict[str, str] = {}

    def _kind(self, raw: dict[str, Any], layer: str) -> str:
        """Our export says the kind; E-ITS layer codes imply it; anything else applies organisation-wide."""
        if layer not in self.kinds:
            ours = _our_props(raw.get("props") or [], self.source, "props").get("kind", [""])[0]
            fallback = "system" if layer in SYSTEM_LAYERS else "process"
            self.kinds[layer] = ours if ours in ("process", "system") else fallback
        return self.kinds[layer]

    def group(self, raw: Any, where: str, layer: str | None, parent: str | None) -> None:
        expect(raw, dict, source=self.source, where=where)
        code = _label(raw, self.source, where)
        where = f"{where} ({code})"
        title = " ".join(field(raw, "title", source=self.source, where=where).split())
        kind = self._kind(raw, layer or code)
        controls = expect(raw.get("controls") or [], list, source=self.source, where=f"{where}.controls")
        subgroups = expect(raw.get("groups") or [], list, source=self.source, where=f"{where}.groups")
        is_module = raw.get("class") == "module" or (raw.get("class") is None and bool(controls))
        if is_module:
            top = layer or code
            if layer is None:  # controls straight under a top-level group: it is a layer and a module
                self.layers.append({"code": code, "title": title, "kind": kind, "parent": None})
            module = {"code": code, "title": title, "layer": top, "subgroup": parent if parent != top else None}
            module.update(kind=self.kinds.get(top, kind), **self._module_parts(raw, where))
            self.modules.append(module)
            for j, control in enumerate(controls):
                self.control(control, f"{where}.controls.{j}", code)
        else:
            if controls:
                raise CatalogError(f"{self.source}: {where}: a {raw.get('class')} group cannot hold controls.")
            self.layers.append({"code": code, "title": title, "kind": kind, "parent": parent})
        for j, sub in enumerate(subgroups):
            self.group(sub, f"{where}.groups.{j}", layer or code, code)

    def _module_parts(self, raw: dict[str, Any], where: str) -> dict[str, str]:
        out = {}
        for part in expect(raw.get("parts") or [], list, source=self.source, where=f"{where}.parts"):
            if isinstance(part, dict) and part.get("name") in ("purpose", "responsibility", "limits"):
                out[part["name"]] = clean_text(str(part.get("prose") or ""))
        return out

    def control(self, raw: Any, where: str, module: str) -> None:
        expect(raw, dict, source=self.source, where=where)
        code = _label(raw, self.source, where)
        where = f"{where} ({code})"
        props = expect(raw.get("props") or [], list, source=self.source, where=f"{where}.props")
        ours = _our_props(props, self.source, f"{where}.props")
        measure: dict[str, Any] = {
            "code": code,
            "module": module,
            "title": " ".join(field(raw, "title", source=self.source, where=where).split()),
            "level": ours.get("level", [None])[0] or self._sec_level(props, where),
            "text": self._text(raw, where),
            "threats": self._links(raw, where),
        }
        if ours:
            cia = ours.get("cia", [""])[0]
            measure.update(
                responsible=ours.get("responsible", [""])[0],
                co_assignees=ours.get("co-assignee", []),
                lifecycle=ours.get("lifecycle", [None])[0],
                confidentiality="C" in cia,
                integrity="I" in cia,
                availability="A" in cia,
            )
            for name, values in ours.items():
                if name.startswith("priority-"):
                    self.priorities.setdefault(name.removeprefix("priority-"), {})[code] = values[0]
        self.measures.append(measure)
        for j, child in enumerate(
            expect(raw.get("controls") or [], list, source=self.source, where=f"{where}.controls")
        ):
            self.control(child, f"{where}.controls.{j}", module)

    def _sec_level(self, props: list[Any], where: str) -> str:
        for prop in props:
            if isinstance(prop, dict) and prop.get("name") == "sec_level":
                value = str(prop.get("value", ""))
                if value.lower() not in SEC_LEVELS:
                    raise CatalogError(
                        f"{self.source}: {where}: unknown sec_level {value!r} — expected normal-SdT or erhöht."
                    )
                return SEC_LEVELS[value.lower()]
        note = "Controls without a level prop were given the level 'standard'."
        if note not in self.notes:
            self.notes.append(note)
        return "standard"

    def _text(self, raw: dict[str, Any], where: str) -> str:
        params = {}
        for p in raw.get("params") or []:
            if isinstance(p, dict) and isinstance(p.get("id"), str):
                values = [str(v) for v in p.get("values") or [] if v is not None]
                params[p["id"]] = ", ".join(values) or str(p.get("label") or p["id"])
        parts = expect(raw.get("parts") or [], list, source=self.source, where=f"{where}.parts")
        texts = [_prose(p) for p in parts if isinstance(p, dict) and p.get("name") == "statement"]
        if not self.exact:
            texts += [_prose(p) for p in parts if isinstance(p, dict) and p.get("name") == "guidance"]
        text = "\n\n".join(t for t in texts if t.strip())
        return clean_text(_PARAM.sub(lambda m: params.get(m.group(1), m.group(1)), text))

    def _links(self, raw: dict[str, Any], where: str) -> list[str]:
        out = []
        for link in expect(raw.get("links") or [], list, source=self.source, where=f"{where}.links"):
            if isinstance(link, dict) and link.get("rel") == "threat":
                target = str(link.get("href", "")).removeprefix("#")
                if target not in self.threats:
                    raise CatalogError(f"{self.source}: {where}: threat link {target!r} names no back-matter resource.")
                out.append(self.threats[target]["code"])
        return out

    def profiles(self, titles: list[str]) -> list[dict[str, Any]]:
        """Profiles from the controls' priority-<key> props; titles from the metadata 'profile' props."""
        named = dict(t.split(": ", 1) for t in titles if ": " in t)
        return [{"key": k, "title": named.get(k, k), "priorities": v} for k, v in self.priorities.items()]


def _prose(part: dict[str, Any]) -> str:
    texts = [str(part.get("prose") or "")]
    texts += [_prose(p) for p in part.get("parts") or [] if isinstance(p, dict)]
    return "\n\n".join(t for t in texts if t.strip())


def _label(raw: dict[str, Any], source: str, where: str) -> str:
    for prop in raw.get("props") or []:
        # only our own labels: other catalogues use "label" for display numbers like "1"
        if isinstance(prop, dict) and prop.get("name") == "label" and prop.get("ns") == NS:
            return str(prop.get("value", "")).strip()
    return field(raw, "id", source=source, where=where).strip()


def _our_props(props: Any, source: str, where: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for prop in expect(props, list, source=source, where=where):
        if isinstance(prop, dict) and prop.get("ns") == NS and prop.get("name") != "label":
            out.setdefault(str(prop.get("name")), []).append(str(prop.get("value", "")))
    return out


def _threats(catalog: dict[str, Any], source: str) -> dict[str, dict[str, str]]:
    """Back-matter resources that our export wrote for threats, by resource uuid."""
    back = catalog.get("back-matter") or {}
    out: dict[str, dict[str, str]] = {}
    for i, res in enumerate(expect(back.get("resources") or [], list, source=source, where="back-matter.resources")):
        expect(res, dict, source=source, where=f"back-matter.resources.{i}")
        ours = _our_props(res.get("props") or [], source, f"back-matter.resources.{i}.props")
        if "threat-code" in ours:
            title = ours.get("threat-title", [ours["threat-code"][0]])[0]
            description = clean_text(str(res.get("description") or ""))
            out[str(res.get("uuid"))] = {"code": ours["threat-code"][0], "title": title, "description": description}
    return out


def _publisher(meta: dict[str, Any]) -> str:
    parties = meta.get("parties") or []
    if parties and isinstance(parties[0], dict):
        return str(parties[0].get("name") or "")
    return ""
