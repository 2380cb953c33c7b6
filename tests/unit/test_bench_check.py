"""The regression guard (benchmarks/bench_check.py) compares ratios with the baseline: pure logic, no timing."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_check.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    """benchmarks/ is not a package: load the script by path (registered first, as dataclasses need)."""
    spec = importlib.util.spec_from_file_location("bench_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_check"] = module
    spec.loader.exec_module(module)
    return module


def run(**ratios: float | None) -> dict[str, Any]:
    """A run report holding only what the guard reads: scenario ids and their ratios."""
    return {"scenarios": [{"id": sid, "ratio": ratio} for sid, ratio in ratios.items()]}


def test_a_ratio_worse_by_more_than_the_tolerance_fails_and_is_named(check: ModuleType) -> None:
    result = check.compare(run(demo_seed=13.0, catalog_import=2.8), run(demo_seed=10.0, catalog_import=2.8))
    assert [w[0] for w in result.worse] == ["demo_seed"]
    assert result.worse[0][3] == pytest.approx(0.30)
    assert result.failed()
    assert "WORSE  demo_seed" in check.describe(result) and "FAILED" in check.describe(result)


def test_an_improved_ratio_and_one_within_the_tolerance_pass(check: ModuleType) -> None:
    result = check.compare(run(demo_seed=6.0, catalog_import=3.4), run(demo_seed=10.0, catalog_import=2.8))
    assert result.worse == []
    assert {w[0] for w in result.within} == {"demo_seed", "catalog_import"}  # 3.4 / 2.8 = +21 %
    assert not result.failed()


def test_the_limit_is_the_tolerance_given(check: ModuleType) -> None:
    assert check.compare(run(a=1.2), run(a=1.0), tolerance=0.1).failed()
    assert not check.compare(run(a=1.2), run(a=1.0), tolerance=0.25).failed()


def test_missing_scenarios_are_reported_and_fail_only_when_strict(check: ModuleType) -> None:
    result = check.compare(run(demo_seed=10.0), run(demo_seed=10.0, wiki_export=4.0))
    assert result.missing == ["wiki_export"]
    assert "MISSING wiki_export" in check.describe(result)
    assert not result.failed()
    assert result.failed(strict=True)


def test_new_and_unguarded_scenarios_are_listed_not_judged(check: ModuleType) -> None:
    result = check.compare(run(demo_seed=10.0, asof_1000_2025Q2=1.5, tui_open=None), run(demo_seed=10.0))
    assert result.new == ["asof_1000_2025Q2"]
    assert result.unguarded == ["tui_open"]
    assert not result.failed()


def test_the_command_compares_a_file_and_updates_the_baseline(check: ModuleType, tmp_path: Path) -> None:
    latest, baseline = tmp_path / "latest.json", tmp_path / "baseline.json"
    latest.write_text(json.dumps(run(demo_seed=10.0, tui_open=None)), encoding="utf-8")
    assert check.main(["--from", str(latest), "--baseline", str(baseline)]) == 2  # no baseline yet
    assert check.main(["--from", str(latest), "--baseline", str(baseline), "--update-baseline"]) == 0
    assert [s["id"] for s in json.loads(baseline.read_text(encoding="utf-8"))["scenarios"]] == ["demo_seed"]
    assert check.main(["--from", str(latest), "--baseline", str(baseline)]) == 0
    latest.write_text(json.dumps(run(demo_seed=13.0)), encoding="utf-8")
    assert check.main(["--from", str(latest), "--baseline", str(baseline)]) == 1
