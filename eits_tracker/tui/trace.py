"""Timestamps of the app's milestones for the benchmarks: set EITS_TRACE=FILE to record them.

Wall-clock times (``time.time()``), so a benchmark driving the app from outside can put its
own key presses on the same axis. Costs nothing when unset.
"""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("EITS_TRACE")


def mark(event: str) -> None:
    if _PATH:
        with open(_PATH, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.4f} {event}\n")
