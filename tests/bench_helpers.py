"""benchmarks/generate.py for the tests that need generated data (benchmarks/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def bench_generate() -> ModuleType:
    """The script loaded by path, once (registered first, as dataclasses need); it imports its
    sibling scale_rows.py as it does when run as a script."""
    if "bench_generate" not in sys.modules:
        if str(SCRIPT.parent) not in sys.path:
            sys.path.insert(0, str(SCRIPT.parent))
        spec = importlib.util.spec_from_file_location("bench_generate", SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_generate"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_generate"]
