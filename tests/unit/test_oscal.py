"""OSCAL export and import: trestle loads the export, it round-trips, and Grundschutz++ imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trestle.oscal.catalog import Catalog

from eits_tracker.catalog import native
from eits_tracker.catalog.importers import import_path
from eits_tracker.catalog.importers.oscal_in import import_oscal
from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.catalog.oscal import dumps_oscal, export_oscal, write_oscal
from eits_tracker.errors import CatalogError
from eits_tracker.paths import catalog_dir


@pytest.fixture(scope="module")
def e2023() -> CatalogEdition:
    return native.read(catalog_dir() / "eits-2023.json")


@pytest.fixture(scope="module")
def grundschutz(sources: Path) -> CatalogEdition:
    return import_path(sources / "oscal/grundschutz-plusplus-catalog.json")


def test_export_loads_in_trestle(e2023: CatalogEdition, tmp_path: Path) -> None:
    path = write_oscal(e2023, tmp_path / "eits-2023-oscal.json")
    catalog = Catalog.oscal_read(path)
    assert catalog is not None
    assert [g.id for g in catalog.groups] == ["ISMS", "ORP", "CON", "OPS", "DER", "INF", "NET", "SYS", "APP", "IND"]
    assert catalog.metadata.oscal_version.model_dump() == "1.1.3"
    assert len(catalog.back_matter.resources) == 47


def test_trestle_check_has_teeth(e2023: CatalogEdition, tmp_path: Path) -> None:
    doc = export_oscal(e2023)
    doc["catalog"]["uuid"] = "not-a-uuid"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - any trestle/pydantic validation error will do
        Catalog.oscal_read(path)


def test_export_is_deterministic(e2023: CatalogEdition) -> None:
    assert dumps_oscal(e2023) == dumps_oscal(native.read(catalog_dir() / "eits-2023.json"))
    doc = export_oscal(e2023)
    control = doc["catalog"]["groups"][0]["groups"][0]["controls"][0]
    assert control["id"] == "ISMS.1.M1" and control["title"].startswith("Infoturbe üldvastutuse")
    names = {p["name"]: p["value"] for p in control["props"]}
    assert names["level"] == "basic" and names["responsible"] == "Infoturbejuht" and names["priority-kov"] == "P1"
    assert control["links"][0]["rel"] == "threat"


@pytest.mark.parametrize("key", ["2023", "2024"])
def test_round_trip(key: str, tmp_path: Path) -> None:
    edition = native.read(catalog_dir() / f"eits-{key}.json")
    back = import_oscal(write_oscal(edition, tmp_path / "out.json"))
    assert back.measures == edition.measures
    assert back.modules == edition.modules
    assert sorted(back.layers, key=lambda x: x.code) == sorted(edition.layers, key=lambda x: x.code)
    assert back.threats == edition.threats
    assert back.profiles == edition.profiles
    ed, bed = edition.edition, back.edition
    assert (bed.key, bed.standard, bed.year, bed.valid_from, bed.title) == (
        ed.key,
        ed.standard,
        ed.year,
        ed.valid_from,
        ed.title,
    )


def test_grundschutz_import(grundschutz: CatalogEdition) -> None:
    e = grundschutz
    assert e.edition.standard == "Grundschutz++" and e.edition.language == "de"
    assert "CC BY-SA 4.0" in e.edition.attribution
    assert len(e.measures) == 989
    assert len([layer for layer in e.layers if layer.parent is None]) == 20
    assert e.counts()["standard"] == 762 and e.counts()["high"] == 227  # sec_level normal-SdT / erhöht
    m = next(m for m in e.measures if m.code == "GC.1.1")
    assert m.module == "GC.1" and "nach BSI Grundschutz++ verankern" in m.text  # parameter filled in
    assert any(m.code == "ASST.1.1.1" and m.module == "ASST.1" for m in e.measures)  # nested control


def test_grundschutz_exports_and_round_trips(grundschutz: CatalogEdition, tmp_path: Path) -> None:
    path = write_oscal(grundschutz, tmp_path / "gspp.json")
    Catalog.oscal_read(path)
    back = import_oscal(path)
    assert back.measures == grundschutz.measures and back.edition.standard == "Grundschutz++"


def test_eits_codes_still_strict(e2023: CatalogEdition, tmp_path: Path) -> None:
    """The relaxed code checks apply only to other standards: an E-ITS export with a bad code is refused."""
    doc = export_oscal(e2023)
    control = doc["catalog"]["groups"][0]["groups"][0]["controls"][0]
    control["props"][0]["value"] = "ISMS-1-first"
    path = tmp_path / "bad-code.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"bad-code\.json: .*measures\.0\.code: .*'ISMS-1-first' is not like"):
        import_oscal(path)


def test_dangling_threat_link(e2023: CatalogEdition, tmp_path: Path) -> None:
    doc = export_oscal(e2023)
    doc["catalog"]["groups"][0]["groups"][0]["controls"][0]["links"][0]["href"] = "#nowhere"
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"dangling\.json: .*\(ISMS\.1\.M1\): threat link 'nowhere'"):
        import_oscal(path)
