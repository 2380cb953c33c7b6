"""Build the shipped catalogue (``catalog/eits-2023.json``, ``catalog/eits-2024.json``) from the sources.

``python -m eits_tracker.catalog.build [--sources DIR] [--out DIR] [--check]`` (``make catalog``).
2023: the API v2 dump + catalog tree + RISKS_2023 threats + elementary threats + sector profiles.
2024: the flat 2024 list + the CISO Assistant YAML (titles, layers) + elementary threats, with the
threats and sector profiles of 2023 carried over by measure code. The output is byte-for-byte
deterministic; ``--check`` rebuilds into a temporary directory and compares.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from eits_tracker.catalog import native
from eits_tracker.catalog.diff import words
from eits_tracker.catalog.importers._common import expect, field, load_json, sha256_file, source_name
from eits_tracker.catalog.importers.api_v2 import import_api_v2, load_elementary_threats
from eits_tracker.catalog.importers.ciso import import_ciso
from eits_tracker.catalog.importers.flat2024 import import_flat2024
from eits_tracker.catalog.model import CatalogEdition, Profile, SourceFile
from eits_tracker.errors import CatalogError, EitsError
from eits_tracker.paths import catalog_dir, catalogue_sources_dir

API_V2 = "eits-2023/api-v2-modules-and-measures.json"
TREE = "eits-2023/api-v2-catalog-tree.json"
FLAT = "eits-2024/measures-flat.json"
CISO = "eits-2024/ciso-assistant-library.yaml"
PROFILES = "profiles/sector-profiles-2023.json"
THREATS = "threats/elementary-threats.json"
RISKS = "threats/measure-threats-2022-2023.json"

#: Where each source file comes from (SOURCES.md).
ORIGINS = {
    API_V2: "github.com/marcosepp/eits-python-api (commit aeb68842)",
    TREE: "github.com/Aktors/ria-e-its (commit 35e1a2c0)",
    FLAT: "github.com/kaarelkaasla/e-its-kataloogirakendus (commit 53846763)",
    CISO: "github.com/intuitem/ciso-assistant-community, backend/library/libraries/e-its-2024.yaml",
    PROFILES: "github.com/kaarelkaasla/e-its-kataloogirakendus (commit 53846763)",
    THREATS: "github.com/marcosepp/eits-python-api (commit aeb68842)",
    RISKS: "github.com/marcosepp/eits-python-api (commit aeb68842)",
}

#: Sector profile columns and their titles. Only "kov" is documented by the source; the others are readings.
PROFILE_TITLES = {
    "kov": "Kohalik omavalitsus (KOV)",
    "edu": "Haridusasutus",
    "doc": "Tervishoiuasutus",
    "water": "Veevärk",
    "heat": "Kaugküte",
    "stardi": "Stardimeetmed",
}


def build_2023(sources: Path) -> CatalogEdition:
    edition = import_api_v2(
        sources / API_V2,
        tree=sources / TREE,
        elementary_threats=sources / THREATS,
        measure_threats=sources / RISKS,
        key="2023",
    )
    edition.profiles = load_profiles(sources / PROFILES, {m.code for m in edition.measures})
    edition.edition.notes = [
        "Responsible role = the last entry of a measure's assignees; the entries before it are co-assignees.",
        "Measure threats from the API's risks; when empty, from the RISKS_2023 cross-reference.",
        "Lifecycle phases are not in the API v2 dump and are left empty.",
        "Sector profiles from profiles/sector-profiles-2023.json; column meanings other than kov are a reading.",
    ]
    return _with_sources(edition, sources, [API_V2, TREE, RISKS, THREATS, PROFILES])


def build_2024(sources: Path, e2023: CatalogEdition) -> CatalogEdition:
    structure = import_ciso(sources / CISO, key="2024")
    threat_map = {m.code: m.threats for m in e2023.measures if m.threats}
    edition = import_flat2024(
        sources / FLAT,
        structure=structure,
        threats=load_elementary_threats(sources / THREATS),
        threat_map=threat_map,
        key="2024",
    )
    # The CISO library was converted from RIA's official 2024 measure table; where the flat list
    # words a measure differently (mostly still the 2023 wording), the official text wins.
    official = {m.code: m for m in structure.measures}
    replaced = 0
    for measure in edition.measures:
        ref = official.get(measure.code)
        if ref is not None and words(ref.text) != words(measure.text):
            measure.text = ref.text
            replaced += 1
    codes = {m.code for m in edition.measures}
    carried = sum(1 for m in edition.measures if m.threats)
    edition.profiles = [
        Profile(key=p.key, title=p.title, priorities={c: v for c, v in p.priorities.items() if c in codes})
        for p in e2023.profiles
    ]
    dropped = sum(len(p.priorities) for p in e2023.profiles) - sum(len(p.priorities) for p in edition.profiles)
    edition.edition.source = (
        "Flat E-ITS 2024 measure list with module titles, layers and sub-groups from CISO Assistant"
    )
    edition.edition.notes = [
        "Measure data (level, responsible, lifecycle, co-assignees, CIA, text) from the flat 2024 list; "
        "module titles, layers and sub-groups from the CISO Assistant library.",
        f"Threats carried over from the 2023 cross-reference by measure code ({carried} of {len(codes)} measures); "
        "measures new in 2024 have none.",
        f"Sector profiles carried over from 2023 by measure code; measures new in 2024 have no priority "
        f"({dropped} priorities of measures removed in 2024 dropped).",
        f"Where the flat list and the CISO library word a measure differently ({replaced} measures, mostly "
        "still in their 2023 wording in the flat list), the CISO library's text (from RIA's official 2024 "
        "table) is used.",
    ]
    return _with_sources(edition, sources, [FLAT, CISO, THREATS, API_V2, RISKS, PROFILES])


def load_profiles(path: Path, measure_codes: set[str]) -> list[Profile]:
    """One Profile per sector column; empty cells mean the measure is not in that profile."""
    source = source_name(path)
    rows = expect(load_json(path), list, source=source, where="top level", hint="Expected a list of measure rows.")
    priorities: dict[str, dict[str, Any]] = {key: {} for key in PROFILE_TITLES}
    for i, row in enumerate(rows):
        expect(row, dict, source=source, where=f"record {i}")
        code = field(row, "measure", source=source, where=f"record {i}").strip()
        where = f"record {i} ({code})"
        if code not in measure_codes:
            raise CatalogError(f"{source}: {where}: measure is not in the edition the profiles are for.")
        for key in PROFILE_TITLES:
            value = field(row, key, source=source, where=where, required=False).strip().upper()
            if value and value not in ("P1", "P2", "P3"):
                raise CatalogError(f"{source}: {where}: {key} priority {value!r} — expected P1, P2, P3 or empty.")
            if value:
                priorities[key][code] = value
    return [Profile(key=k, title=PROFILE_TITLES[k], priorities=v) for k, v in priorities.items()]


def _with_sources(edition: CatalogEdition, sources: Path, names: list[str]) -> CatalogEdition:
    edition.edition.sources = [
        SourceFile(name=name, sha256=sha256_file(sources / name), origin=ORIGINS[name]) for name in names
    ]
    return edition


def build_all(sources_dir: Path, out_dir: Path) -> list[Path]:
    """Write ``eits-2023.json`` and ``eits-2024.json`` into ``out_dir``; return their paths."""
    e2023 = build_2023(sources_dir)
    e2024 = build_2024(sources_dir, e2023)
    written = []
    for edition in (e2023, e2024):
        path = out_dir / f"eits-{edition.edition.key}.json"
        native.write(edition, path)
        written.append(path)
    return written


def check(sources_dir: Path, out_dir: Path) -> list[str]:
    """Names of shipped files that differ from (or are missing against) a fresh rebuild."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build_all(sources_dir, Path(tmp))
        return [
            p.name
            for p in fresh
            if not (out_dir / p.name).is_file() or (out_dir / p.name).read_bytes() != p.read_bytes()
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eits_tracker.catalog.build", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sources", type=Path, default=None, help="catalogue sources (default ../shared/catalogue-sources)"
    )
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: the shipped catalog/)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped files differ from a rebuild")
    args = parser.parse_args(argv)
    sources = args.sources or catalogue_sources_dir()
    out = args.out or catalog_dir()
    try:
        if args.check:
            differing = check(sources, out)
            for name in differing:
                print(f"{out / name}: differs from a rebuild of {sources}; run 'make catalog'.", file=sys.stderr)
            return 1 if differing else 0
        for path in build_all(sources, out):
            print(path)
    except EitsError as exc:
        print(f"{exc.title}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
