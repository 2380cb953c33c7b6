"""The importers against the real sources: exact counts, readings, and errors that name the place."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eits_tracker.catalog.importers import FORMATS, detect, import_path
from eits_tracker.catalog.importers.api_v2 import import_api_v2, load_elementary_threats
from eits_tracker.catalog.importers.ciso import import_ciso
from eits_tracker.catalog.importers.flat2024 import import_flat2024
from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.errors import CatalogError


@pytest.fixture(scope="module")
def e2023(sources: Path) -> CatalogEdition:
    return import_api_v2(
        sources / "eits-2023/api-v2-modules-and-measures.json",
        tree=sources / "eits-2023/api-v2-catalog-tree.json",
        elementary_threats=sources / "threats/elementary-threats.json",
        measure_threats=sources / "threats/measure-threats-2022-2023.json",
    )


@pytest.fixture(scope="module")
def ciso2024(sources: Path) -> CatalogEdition:
    return import_ciso(sources / "eits-2024/ciso-assistant-library.yaml")


def _top_layers(edition: CatalogEdition) -> list[str]:
    return [layer.code for layer in edition.layers if layer.parent is None]


TEN_LAYERS = ["ISMS", "ORP", "CON", "OPS", "DER", "INF", "NET", "SYS", "APP", "IND"]


def test_api_v2_counts_and_tree(e2023: CatalogEdition) -> None:
    assert e2023.counts() == {"modules": 107, "measures": 1771, "basic": 588, "standard": 786, "high": 397}
    assert _top_layers(e2023) == TEN_LAYERS
    assert e2023.edition.key == "2023"
    assert str(e2023.edition.valid_from) == "2024-01-30" and str(e2023.edition.valid_to) == "2024-12-31"
    assert len(e2023.threats) == 47
    modules = {m.code: m for m in e2023.modules}
    # the tree's SYS.1.2 is split into two modules by the dump: it becomes their sub-group
    assert (modules["SYS.1.2.2"].layer, modules["SYS.1.2.2"].subgroup) == ("SYS", "SYS.1.2")
    assert (modules["OPS.1.1.3"].layer, modules["OPS.1.1.3"].subgroup) == ("OPS", "OPS.1.1")
    assert modules["ISMS.1"].title == "Turbehaldus" and modules["ISMS.1"].kind == "process"
    assert modules["SYS.EE.1"].kind == "system"


def test_api_v2_measure_reading(e2023: CatalogEdition) -> None:
    m = next(m for m in e2023.measures if m.code == "ISMS.1.M1")
    assert m.title == "Infoturbe üldvastutuse võtmine juhtkonnatasemel"  # code prefix stripped
    assert m.responsible == "Infoturbejuht" and m.co_assignees == ["Organisatsiooni juhtkond"]
    assert m.threats == ["G 0.18", "G 0.27"]
    assert "\t" not in m.text and m.text.startswith("a. Organisatsiooni juhtkond")
    assert "* määrab infoturbega seotud rollid ja ülesanded;" in m.text  # the lost bullets come back
    cia = Counter(m.cia for m in e2023.measures)
    assert cia["CIA"] == 146 and cia[""] == 1374


def test_elementary_threats_are_plain_text(sources: Path) -> None:
    threats = load_elementary_threats(sources / "threats/elementary-threats.json")
    assert len(threats) == 47 and threats[0]["code"] == "G 0.1" and threats[-1]["code"] == "G 0.47"
    assert all("<" not in t["description"] for t in threats)
    assert "\n* tuletõkkeuste lahtihoidmine kiiluga;" in threats[0]["description"]


def test_ciso_counts(ciso2024: CatalogEdition) -> None:
    assert ciso2024.counts() == {"modules": 109, "measures": 1802, "basic": 618, "standard": 781, "high": 403}
    assert _top_layers(ciso2024) == TEN_LAYERS
    modules = {m.code: m for m in ciso2024.modules}
    assert {"APP.EE.2", "SYS.2.5"} <= set(modules)
    assert modules["SYS.3.2.3"].subgroup == "SYS.3.2"  # a module at depth 4
    assert any(m.code == "OPS.1.1.5.ME1" for m in ciso2024.measures)


def test_flat2024_merged_with_ciso(sources: Path, ciso2024: CatalogEdition) -> None:
    e = import_flat2024(sources / "eits-2024/measures-flat.json", structure=ciso2024)
    assert e.counts() == ciso2024.counts()
    assert _top_layers(e) == TEN_LAYERS
    m = next(m for m in e.measures if m.code == "ISMS.1.M1")
    assert (m.responsible, m.co_assignees, m.lifecycle) == ("Infoturbejuht", ["Organisatsiooni juhtkond"], "planning")
    assert "[NL]" not in m.text and "\n* tagab infoturbe töötajate pädevuse;" in m.text
    assert next(m for m in e.modules if m.code == "APP.EE.2").title != "APP.EE.2"


def test_detection(sources: Path) -> None:
    expected = {
        "eits-2023/api-v2-modules-and-measures.json": "api-v2",
        "eits-2024/measures-flat.json": "flat2024",
        "eits-2024/ciso-assistant-library.yaml": "ciso",
        "oscal/grundschutz-plusplus-catalog.json": "oscal",
    }
    for name, fmt in expected.items():
        assert detect(sources / name)[0] == fmt
    assert set(expected.values()) < set(FORMATS)
    with pytest.raises(CatalogError, match=r"api-v2-catalog-tree\.json: cannot tell the catalogue format"):
        import_path(sources / "eits-2023/api-v2-catalog-tree.json")


# --- bad input ---------------------------------------------------------------------------


def _api_records(sources: Path) -> list[dict]:
    return json.loads((sources / "eits-2023/api-v2-modules-and-measures.json").read_text(encoding="utf-8"))[:3]


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_truncated_json_names_line_and_column(tmp_path: Path, sources: Path) -> None:
    text = (sources / "eits-2024/measures-flat.json").read_text(encoding="utf-8")
    path = tmp_path / "measures-flat.json"
    path.write_text(text[:5000], encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^measures-flat\.json: line \d+, column \d+: not valid JSON"):
        import_path(path, "flat2024")
    with pytest.raises(CatalogError, match=r"measures-flat\.json: line \d+, column \d+"):
        import_path(path)


def test_duplicate_measure_code(tmp_path: Path, sources: Path) -> None:
    records = _api_records(sources)
    records[0]["measures"].append(dict(records[0]["measures"][0]))
    path = _write(tmp_path, "dump.json", records)
    n = len(records[0]["measures"]) - 1
    with pytest.raises(
        CatalogError, match=rf"dump\.json: record 0 \(ISMS\.1\), measure {n} \(ISMS\.1\.M1\): duplicate"
    ):
        import_path(path)


def test_unknown_level(tmp_path: Path, sources: Path) -> None:
    records = _api_records(sources)
    records[0]["measures"][2]["group"] = "Foo"
    path = _write(tmp_path, "dump.json", records)
    with pytest.raises(CatalogError, match=r"measure 2 \(ISMS\.1\.M3\): unknown level 'Foo' — expected Põhimeede"):
        import_path(path, "api-v2")


def test_measure_whose_module_is_missing(tmp_path: Path, sources: Path, ciso2024: CatalogEdition) -> None:
    records = json.loads((sources / "eits-2024/measures-flat.json").read_text(encoding="utf-8"))[:5]
    records[3] = dict(records[3], mid="XYZ.9.M1", pid="XYZ.9")
    path = _write(tmp_path, "flat.json", records)
    with pytest.raises(CatalogError, match=r"flat\.json: record 3 \(XYZ\.9\.M1\): module 'XYZ\.9' is not in"):
        import_flat2024(path, structure=ciso2024)


def test_measure_code_not_of_its_module(tmp_path: Path, sources: Path) -> None:
    records = json.loads((sources / "eits-2024/measures-flat.json").read_text(encoding="utf-8"))[:2]
    records[1]["pid"] = "ORP.1"
    with pytest.raises(CatalogError, match=r"flat\.json: record 1 \(ISMS\.1\.M\d+\): .*pid 'ORP\.1'"):
        import_path(_write(tmp_path, "flat.json", records), "flat2024")


def test_wrong_top_level_type(tmp_path: Path) -> None:
    path = _write(tmp_path, "dump.json", {"modules": []})
    with pytest.raises(CatalogError, match=r"dump\.json: top level: expected a list, found an object"):
        import_path(path, "api-v2")
    with pytest.raises(CatalogError, match=r"dump\.json: top level: expected a list"):
        import_path(path, "flat2024")
    with pytest.raises(CatalogError, match=r"dump\.json: catalog: expected an object"):
        import_path(path, "oscal")


def test_wrong_field_type(tmp_path: Path, sources: Path) -> None:
    records = _api_records(sources)
    records[1]["measures"][0]["assignees"] = "Infoturbejuht"
    with pytest.raises(
        CatalogError, match=r"record 1 \(ORP\.1\), measure 0 \(ORP\.1\.M1\): assignees: expected a list"
    ):
        import_path(_write(tmp_path, "dump.json", records))


def test_broken_yaml(tmp_path: Path) -> None:
    path = tmp_path / "library.yaml"
    path.write_text("objects:\n  framework:\n    requirement_nodes: [\n  - urn: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^library\.yaml: line \d+, column \d+: not valid YAML"):
        import_path(path, "ciso")
    with pytest.raises(CatalogError, match=r"library\.yaml: line \d+"):
        import_path(path)


def test_ciso_missing_parent(tmp_path: Path) -> None:
    text = """
objects:
  framework:
    ref_id: e-its-2024
    requirement_nodes:
    - {urn: 'u:isms', assessable: false, depth: 1, ref_id: ISMS, name: Turbehaldus}
    - {urn: 'u:m1', assessable: true, depth: 3, parent_urn: 'u:isms.1', ref_id: ISMS.1.M1, name: X,
       implementation_groups: [P]}
"""
    path = tmp_path / "lib.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"lib\.yaml: requirement_nodes\.1 \(ISMS\.1\.M1\): parent_urn 'u:isms\.1'"):
        import_path(path)


def test_unknown_format_and_option(tmp_path: Path, sources: Path) -> None:
    with pytest.raises(CatalogError, match="unknown format 'xlsx'"):
        import_path(sources / "eits-2024/measures-flat.json", "xlsx")
    with pytest.raises(CatalogError, match="option\\(s\\) tree do not apply to format 'ciso'"):
        import_path(sources / "eits-2024/ciso-assistant-library.yaml", tree=Path("x"))
    with pytest.raises(CatalogError, match="file not found"):
        import_path(tmp_path / "nope.json", "api-v2")
