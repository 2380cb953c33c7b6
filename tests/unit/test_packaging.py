"""The installed package finds the shipped catalogue, whether run from the checkout or a built wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_checkout_finds_catalog() -> None:
    from eits_tracker.paths import catalog_dir, templates_dir

    assert (catalog_dir() / "eits-2024.json").is_file()
    assert (templates_dir() / "quarterly" / "index.md.j2").is_file()


def test_built_wheel_carries_and_finds_the_catalogue(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wheel = next(tmp_path.glob("eits_tracker-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {
            "eits_tracker/_catalog/eits-2023.json",
            "eits_tracker/_catalog/eits-2024.json",
            "eits_tracker/_catalog/municipalities.csv",
            "eits_tracker/_catalog/README.md",
            "eits_tracker/_reports/labels.yaml",
            "eits_tracker/_reports/quarterly/index.md.j2",
            "eits_tracker/_reports/quarterly/municipality.md.j2",
            "eits_tracker/_reports/quarterly/page.html.j2",
            "eits_tracker/_reports/quarterly/style.css",
        } <= names
        assert "eits_tracker/db/migrations/versions/0001_initial_schema.py" in names
        zf.extractall(tmp_path / "site")
    # Run from the unpacked wheel, not the checkout: the catalogue and migrations come from the wheel.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import eits_tracker.paths as p, eits_tracker.db.migrate as mg;"
        "print(p.catalog_dir()); print(mg.MIGRATIONS); print(p.templates_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "site")], check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout.split()
    assert out[0] == str(tmp_path / "site" / "eits_tracker" / "_catalog")
    assert out[1].startswith(str(tmp_path / "site"))
    assert out[2] == str(tmp_path / "site" / "eits_tracker" / "_reports")
