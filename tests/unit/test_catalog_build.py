"""The shipped catalogue: exact counts, profiles, provenance, and byte-identity with a fresh rebuild."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from eits_tracker.catalog import native
from eits_tracker.catalog.build import build_all, main
from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.paths import catalog_dir


@pytest.fixture(scope="module")
def rebuilt(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("catalog")
    return {p.name: p for p in build_all(sources, out)}


@pytest.fixture(scope="module")
def shipped() -> dict[str, CatalogEdition]:
    return {key: native.read(catalog_dir() / f"eits-{key}.json") for key in ("2023", "2024")}


def test_shipped_files_equal_a_fresh_rebuild(rebuilt: dict[str, Path]) -> None:
    assert sorted(rebuilt) == ["eits-2023.json", "eits-2024.json"]
    for name, path in rebuilt.items():
        assert (catalog_dir() / name).read_bytes() == path.read_bytes(), f"{name}: run 'make catalog'"


def test_counts(shipped: dict[str, CatalogEdition]) -> None:
    assert shipped["2023"].counts() == {"modules": 107, "measures": 1771, "basic": 588, "standard": 786, "high": 397}
    assert shipped["2024"].counts() == {"modules": 109, "measures": 1802, "basic": 618, "standard": 781, "high": 403}
    for edition in shipped.values():
        assert len([layer for layer in edition.layers if layer.parent is None]) == 10
        assert len(edition.threats) == 47


def test_kov_profile_2023(shipped: dict[str, CatalogEdition]) -> None:
    profiles = {p.key: p for p in shipped["2023"].profiles}
    assert set(profiles) == {"kov", "edu", "doc", "water", "heat", "stardi"}
    kov = profiles["kov"]
    assert kov.title.startswith("Kohalik omavalitsus")
    modules = {m.module for m in shipped["2023"].measures if m.code in kov.priorities}
    assert (len(kov.priorities), len(modules)) == (996, 83)
    assert Counter(kov.priorities.values()) == {"P1": 183, "P2": 665, "P3": 148}


def test_2024_carry_overs(shipped: dict[str, CatalogEdition]) -> None:
    e2023, e2024 = shipped["2023"], shipped["2024"]
    old = {m.code: m for m in e2023.measures}
    kov24 = next(p for p in e2024.profiles if p.key == "kov")
    kov23 = next(p for p in e2023.profiles if p.key == "kov")
    assert all(kov23.priorities[c] == v for c, v in kov24.priorities.items())
    assert all(m.threats == old[m.code].threats for m in e2024.measures if m.code in old)
    assert not any(m.threats for m in e2024.measures if m.code not in old)
    assert any("Threats carried over" in n for n in e2024.edition.notes)
    assert any("Sector profiles carried over" in n for n in e2024.edition.notes)
    m = next(m for m in e2024.measures if m.code == "ISMS.1.M1")
    assert m.lifecycle == "planning" and m.responsible == "Infoturbejuht"


def test_provenance(shipped: dict[str, CatalogEdition], sources: Path) -> None:
    for key, edition in shipped.items():
        ed = edition.edition
        assert ed.key == key and ed.year == int(key)
        assert "Riigi Infosüsteemi Amet" in ed.attribution and "eits.ria.ee" in ed.attribution
        assert ed.sha256 == edition.content_sha256()
        for src in ed.sources:
            assert src.sha256 == hashlib.sha256((sources / src.name).read_bytes()).hexdigest()
            assert src.origin
    assert shipped["2023"].edition.sources[0].name == "eits-2023/api-v2-modules-and-measures.json"


def test_check_mode(sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sources", str(sources), "--out", str(tmp_path)]) == 0
    assert main(["--sources", str(sources), "--out", str(tmp_path), "--check"]) == 0
    path = tmp_path / "eits-2024.json"
    path.write_bytes(path.read_bytes().replace(b'"Turbehaldus"', b'"Turvahaldus"', 1))
    assert main(["--sources", str(sources), "--out", str(tmp_path), "--check"]) == 1
    assert "eits-2024.json: differs" in capsys.readouterr().err


def test_missing_sources_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sources", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "api-v2-modules-and-measures.json: file not found" in capsys.readouterr().err
