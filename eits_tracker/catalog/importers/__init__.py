"""Catalogue importers: turn each known source format into a native :class:`CatalogEdition`.

``import_path`` detects the format from the content when none is given:

- ``native``: our own JSON (``"format": "eits-tracker-catalog"``);
- ``api-v2``: the E-ITS portal API v2 dump, a list of modules with ``measures``;
- ``flat2024``: the flat 2024 measure list, records with ``mid`` and ``pid``;
- ``ciso``: a CISO Assistant framework library (YAML with ``objects.framework``);
- ``oscal``: an OSCAL catalog (``{"catalog": ...}``), ours or another standard's.

Options are passed to the format's importer (e.g. ``tree=`` for api-v2, ``structure=`` for
flat2024, ``key=`` for all but native); every failure is a CatalogError naming the file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eits_tracker.catalog import native
from eits_tracker.catalog.importers._common import parse_json, parse_yaml, read_text, source_name
from eits_tracker.catalog.importers.api_v2 import api_v2_with_files, import_api_v2
from eits_tracker.catalog.importers.ciso import ciso_from_data, import_ciso
from eits_tracker.catalog.importers.flat2024 import flat2024_from_data, import_flat2024
from eits_tracker.catalog.importers.oscal_in import import_oscal, oscal_from_data
from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.errors import CatalogError

FORMATS: dict[str, str] = {
    "native": "eits-tracker native catalogue JSON",
    "api-v2": "E-ITS portal API v2 modules-and-measures dump (JSON)",
    "ciso": "CISO Assistant framework library (YAML)",
    "flat2024": "flat E-ITS 2024 measure list (JSON)",
    "oscal": "OSCAL 1.1 catalog (JSON)",
}

_IMPORTERS: dict[str, Callable[..., CatalogEdition]] = {
    "api-v2": import_api_v2,
    "ciso": import_ciso,
    "flat2024": import_flat2024,
    "oscal": import_oscal,
}


def import_path(path: Path, fmt: str | None = None, **options: Any) -> CatalogEdition:
    """Read ``path`` in format ``fmt`` (detected from the content when None)."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise CatalogError(f"{path}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    if fmt is None:
        fmt, data = detect(path)
        return _from_data(fmt, data, path, options)
    _check_options(fmt, options, path)
    if fmt == "native":
        return native.read(path)
    return _IMPORTERS[fmt](path, **options)


def detect(path: Path) -> tuple[str, Any]:
    """The format of ``path`` and its parsed content; a CatalogError when it is none we know."""
    text = read_text(path)
    source = source_name(path)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")) or path.suffix.lower() == ".json":
        data = parse_json(text, source=source)
    else:
        data = parse_yaml(text, source=source)
    fmt = _shape(data)
    if fmt is None:
        hint = ""
        if isinstance(data, dict) and "moduleGroups" in data:
            hint = (
                " It looks like the API v2 catalog tree, which has no measures: pass it as the tree of an api-v2 dump."
            )
        raise CatalogError(
            f"{path}: cannot tell the catalogue format from the content.{hint} "
            f"Pass the format explicitly (one of {', '.join(FORMATS)})."
        )
    return fmt, data


def _shape(data: Any) -> str | None:
    if isinstance(data, dict):
        if data.get("format") == "eits-tracker-catalog":
            return "native"
        if isinstance(data.get("catalog"), dict):
            return "oscal"
        objects = data.get("objects")
        if isinstance(objects, dict) and isinstance(objects.get("framework"), dict):
            return "ciso"
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        first = data[0]
        if "mid" in first and "pid" in first:
            return "flat2024"
        if "code" in first and "measures" in first:
            return "api-v2"
    return None


def _from_data(fmt: str, data: Any, path: Path, options: dict[str, Any]) -> CatalogEdition:
    _check_options(fmt, options, path)
    source = source_name(path)
    if fmt == "native":
        return native.validate(data, source=str(path))
    if fmt == "api-v2":
        return api_v2_with_files(data, source=source, **options)
    if fmt == "flat2024":
        return flat2024_from_data(data, source=source, **options)
    if fmt == "ciso":
        return ciso_from_data(data, source=source, **options)
    return oscal_from_data(data, source=source, **options)


def _check_options(fmt: str, options: dict[str, Any], path: Path) -> None:
    allowed = set() if fmt == "native" else set(inspect.signature(_IMPORTERS[fmt]).parameters) - {"path"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise CatalogError(
            f"{path}: option(s) {', '.join(unknown)} do not apply to format {fmt!r}"
            + (f" (it takes {', '.join(sorted(allowed))})." if allowed else ".")
        )


__all__ = ["FORMATS", "detect", "import_path"]
