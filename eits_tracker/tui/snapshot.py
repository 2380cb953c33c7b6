"""The dashboard's numbers from the last run, shown on the first frame and replaced moments later.

Computing the maturity of 79 municipalities costs ~70 ms of a 1 s start. The app keeps the
last current numbers (no history comparison) in a small JSON file per database in the user's
data directory; at start it shows them, then reads the database again and replaces them, so
a number is never stale for longer than that read. Any problem with the file (missing, from
another version, unreadable) just means no snapshot. This module must not import textual.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eits_tracker import __version__, paths
from eits_tracker.config import Settings

FORMAT = 1


def _path(settings: Settings) -> Path:
    key = hashlib.sha256(settings.resolved_database_url().encode()).hexdigest()[:16]
    return paths.data_dir() / "cache" / f"dashboard-{key}.json"


def save(settings: Settings, rows: list[Any]) -> None:
    path = _path(settings)
    data = {"format": FORMAT, "version": __version__, "rows": [asdict(r) for r in rows]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache; the app works the same without it


def load(settings: Settings) -> list[Any] | None:
    from eits_tracker.tracking.maturity_rows import DashboardRow, Maturity

    try:
        data = json.loads(_path(settings).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != __version__:
            return None
        rows = []
        for r in data["rows"]:
            current = Maturity(**{**r["current"], "at": None})
            rows.append(DashboardRow(**{**r, "current": current, "previous": None}))
        return rows
    except (OSError, ValueError, KeyError, TypeError):
        return None
