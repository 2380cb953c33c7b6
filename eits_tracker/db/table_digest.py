"""The tables a copy moves, in foreign-key order, and their fingerprints: a row count and a
SHA-256 over the rows ordered by primary key, each value normalised the same way on SQLite and
PostgreSQL (datetimes as UTC ISO, dates ISO, JSON canonical, floats repr, booleans 0/1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    String,
    Table,
    select,
)

Progress = Callable[[str], None]

#: Rows per executemany: large enough that round trips do not matter, small enough to stream.
BATCH = 5000


def _tables() -> list[Table]:
    from sqlmodel import SQLModel

    import eits_tracker.db.models  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def _columns(table: Table) -> list[Any]:
    return [c for c in table.columns if c.computed is None]


def _ordered(table: Table, conn: Connection) -> Any:
    # The same order on both backends: byte order for text keys (PostgreSQL's "C" = SQLite's BINARY).
    pg = conn.dialect.name == "postgresql"
    keys = [c.collate("C") if pg and isinstance(c.type, String) else c for c in table.primary_key.columns]
    return select(*_columns(table)).order_by(*keys)


def _checksum(conn: Connection, table: Table) -> tuple[int, str]:
    digest = _Digest(table)
    for part in conn.execution_options(yield_per=BATCH).execute(_ordered(table, conn)).partitions():
        digest.add(part)
    return digest.result()


def _utc_iso(value: datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).isoformat()


# Values as the column types hand them over, made comparable across backends; str, int and None stay.
_NORMALISE: dict[type, Callable[[Any], Any]] = {
    bool: int,
    datetime: _utc_iso,
    date: date.isoformat,
    float: repr,
    Decimal: str,
    bytes: bytes.hex,
    memoryview: lambda v: v.hex(),
}
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
# A value of a type no model uses today (an Enum member, say) still gets a stable text.
_LINE = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=lambda v: _NORMALISE.get(type(v), str)(v)
).encode


class _Digest:
    """Row count and SHA-256 of one table: each row one JSON line of normalised values, in key order."""

    def __init__(self, table: Table) -> None:
        columns = _columns(table)
        # Integers and text go into the line as they are (JSON tells 1 from "1"); the rest by value type.
        self._json = [i for i, c in enumerate(columns) if isinstance(c.type, JSON)]
        self._other = [i for i, c in enumerate(columns) if not isinstance(c.type, (JSON, Integer, String))]
        self._sha = hashlib.sha256()
        self._rows = 0

    def add(self, rows: Sequence[Any]) -> None:
        lines = []
        for row in rows:
            values = list(row)
            for i in self._json:
                if values[i] is not None:
                    values[i] = _CANONICAL_JSON(values[i])
            for i in self._other:
                value = values[i]
                if value is not None and (normalise := _NORMALISE.get(type(value))) is not None:
                    values[i] = normalise(value)
            lines.append(_LINE(values))
        if lines:
            self._sha.update(("\n".join(lines) + "\n").encode())
        self._rows += len(rows)

    def result(self) -> tuple[int, str]:
        return self._rows, self._sha.hexdigest()
