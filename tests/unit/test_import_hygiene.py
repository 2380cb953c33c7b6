"""The domain never imports Textual, and importing the package costs nothing."""

from __future__ import annotations

import json
import subprocess
import sys


def _domain_modules() -> list[str]:
    """Every module of the package outside the terminal app (found, not listed: a new one is checked too)."""
    import pkgutil

    import eits_tracker

    names = [
        info.name
        for info in pkgutil.walk_packages(eits_tracker.__path__, "eits_tracker.")
        if not info.name.startswith(("eits_tracker.tui", "eits_tracker.db.migrations", "eits_tracker.__main__"))
    ]
    assert "eits_tracker.tracking.maturity" in names and "eits_tracker.cli.tui" in names
    return names


DOMAIN = _domain_modules()


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
    assert "eits_tracker.tracking.statuses" in loaded and "eits_tracker.tracking.workspace" in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_importing_the_package_loads_nothing_heavy() -> None:
    loaded = _modules_after("import eits_tracker")
    for heavy in ("sqlalchemy", "sqlmodel", "pydantic", "textual", "typer"):
        assert heavy not in loaded, heavy
