"""What every command shares: settings and database from the context, JSON and table output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import typer

from eits_tracker.config import Settings, load_settings
from eits_tracker.db.setup import Database, open_database


@dataclass
class CliState:
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(**self.overrides)
        return self._settings

    def db(self, *, prepare: bool = True) -> Database:
        """Open (and on first use migrate and fill) the database; say what was done on stderr."""
        if self._db is None:
            self._db = open_database(self.settings, prepare=prepare, progress=lambda msg: err(msg))
        return self._db


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = CliState()
    return obj  # type: ignore[no-any-return]


def err(message: str) -> None:
    print(message, file=sys.stderr)


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], *, title: str | None = None) -> None:
    """A plain, aligned table; wide text columns are cut so a row stays on one line."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, box=None, header_style="bold", pad_edge=False)
    for _key, header in columns:
        table.add_column(header, overflow="ellipsis", no_wrap=True)
    for row in rows:
        table.add_row(*("" if row.get(k) is None else str(row.get(k)) for k, _ in columns))
    console = Console(soft_wrap=False) if sys.stdout.isatty() else Console(soft_wrap=False, width=400)
    console.print(table)
