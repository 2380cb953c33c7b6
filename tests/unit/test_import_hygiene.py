"""The domain never imports Textual, and importing the package costs nothing."""

from __future__ import annotations

import json
import subprocess
import sys

DOMAIN = [
    "eits_tracker.config",
    "eits_tracker.paths",
    "eits_tracker.errors",
    "eits_tracker.db.models",
    "eits_tracker.db.setup",
    "eits_tracker.catalog.model",
    "eits_tracker.catalog.native",
    "eits_tracker.catalog.load",
    "eits_tracker.catalog.diff",
    "eits_tracker.catalog.queries",
    "eits_tracker.catalog.importers",
    "eits_tracker.catalog.oscal",
    "eits_tracker.tracking.statuses",
    "eits_tracker.tracking.editions",
    "eits_tracker.tracking.spreadsheet",
    "eits_tracker.tracking.demo",
    "eits_tracker.cli",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_domain_and_cli_never_import_textual() -> None:
    loaded = _modules_after("\n".join(f"import {name}" for name in DOMAIN))
    assert "eits_tracker.tracking.statuses" in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_importing_the_package_loads_nothing_heavy() -> None:
    loaded = _modules_after("import eits_tracker")
    for heavy in ("sqlalchemy", "sqlmodel", "pydantic", "textual", "typer"):
        assert heavy not in loaded, heavy
