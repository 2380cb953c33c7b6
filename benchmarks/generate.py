"""Scale data for the benchmarks: N organisations × Q quarters of status history in a real SQLite file.

    python benchmarks/generate.py --orgs 1000 --quarters 12 --out /tmp/scale.sqlite3   # ≈ 1 M history rows

The schema, both catalogue editions and the 79 municipalities come from ``open_database`` (Alembic,
the shipped catalogue/), as on a first start. Then, deterministically for a seed (same seed, same
row content byte for byte; the reference rows' load times are pinned too), it writes in the spirit
of ``tracking.demo``: the first min(N, 79) organisations are the real municipalities, the rest
synthetic ones (unique 4-digit EHAK codes from 1000 up, unique names, a real county); each has a
pace, an approach (big ones and some others standard), some excluded modules with a reason, some
extra target objects carrying system modules from a quarter on, and some (``migrate_share``) start
on E-ITS 2023 and move to 2024 in a middle quarter exactly as ``tracking.editions`` does (same row
kept, changed measures flagged, removed ones archived, one history row each, an EditionMigration).
Every change is a history row with the ``changes`` JSON ``set_status`` would write, and each status
row holds what its last history row set, so the maturity model can answer "as of" any quarter.

Each organisation's rows are built in ``scale_rows.py``. They go in through the raw ``sqlite3``
driver as plain tuples with ids assigned here (the file is new and ours alone): one transaction,
foreign keys checked. SQLite only; for PostgreSQL generate a file and copy it with
``eits-tracker db copy``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from scale_rows import ACTOR, PINNED, Catalogue, Writer, organisation_rows

from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking.demo import EXCLUSIONS, quarter_ends

DEFAULT_SEED = 2026
DEFAULT_END = date(2026, 11, 27)
STEMS = (
    "Kase",
    "Kuuse",
    "Männi",
    "Järve",
    "Lepa",
    "Saare",
    "Mäe",
    "Ranna",
    "Kivi",
    "Välja",
    "Oja",
    "Metsa",
    "Niidu",
    "Tamme",
    "Pärna",
    "Haava",
    "Vahe",
    "Kõrve",
    "Soo",
    "Nõmme",
    "Laane",
    "Allika",
    "Künka",
    "Jõe",
)
ENDINGS = ("küla", "stu", "maa", "vere", "jõe", "nurme", "pää", "salu", "la", "ste", "kandi", "mõisa")


@dataclass
class Generated:
    """What was written, and how long each phase took (seconds)."""

    path: str
    orgs: int
    quarters: list[str]
    seed: int
    end: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _read_catalogue(url: str) -> Catalogue:
    """Create the database as the app's first start does (schema, catalogue, the 79 municipalities), then
    read editions, modules, measures and KOV profiles through the app's own queries, and the edition diff."""
    from sqlalchemy import select

    from eits_tracker.catalog.diff import diff_editions
    from eits_tracker.config import load_settings
    from eits_tracker.db import models as m
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking import municipalities as munis

    db = open_database(load_settings(database_url=url))
    try:
        with db.session() as s:
            eds = s.scalars(select(m.Edition).order_by(m.Edition.year, m.Edition.id)).all()
            cat = Catalogue({e.key: e.id for e in eds}, {}, {})  # type: ignore[misc]
            rows = s.execute(
                select(
                    m.Measure.edition_id,
                    m.Measure.module_code,
                    m.Module.kind,
                    m.Measure.id,
                    m.Measure.code,
                    m.Measure.level,
                )
                .join(m.Module, m.Module.id == m.Measure.module_id)
                .order_by(m.Measure.id)
            ).all()
            for eid, module, kind, mid, code, level in rows:
                cat.modules.setdefault(eid, {}).setdefault(module, (kind, []))[1].append((mid, code, level))
                cat.id_of.setdefault(eid, {})[code] = mid
            for e in eds:
                cat.profile[e.id] = munis.profile_modules(s, e.id)  # type: ignore[arg-type]
            if len(eds) >= 2:
                diff = diff_editions(s, eds[-2], eds[-1])
                cat.removed = {c.code for c in diff.removed}
                cat.changed = {c.code: c.fields for c in diff.changed}
                cat.added = [c.code for c in diff.added]
                cat.standard = eds[-1].standard
    finally:
        db.engine.dispose()
    return cat


def _organisations(conn: sqlite3.Connection, rng: random.Random, n: int) -> list[dict[str, Any]]:
    """The real municipalities first, then synthetic ones with unique codes, names and a real county."""
    cols = ("id", "ehak_code", "name", "kind", "county", "county_ehak", "population")
    real = [
        dict(zip(cols, r, strict=True)) for r in conn.execute(f"SELECT {', '.join(cols)} FROM municipality ORDER BY id")
    ]
    drop = [r["id"] for r in real[n:]]
    conn.executemany("DELETE FROM target_object WHERE municipality_id = ?", [(i,) for i in drop])
    conn.executemany("DELETE FROM municipality WHERE id = ?", [(i,) for i in drop])
    orgs, names = real[:n], {r["name"] for r in real}
    counties = [(r["county"], r["county_ehak"]) for r in real]
    next_id = max((r["id"] for r in real), default=0) + 1
    for i in range(n - len(orgs)):
        kind = "linn" if rng.random() < 0.12 else "vald"
        base = f"{rng.choice(STEMS)}{rng.choice(ENDINGS)} {kind}"
        name, k = base, 2
        while name in names:
            name, k = f"{base} {k}", k + 1
        names.add(name)
        county, county_ehak = rng.choice(counties)
        population = int(rng.lognormvariate(8.9, 0.9))
        orgs.append(
            dict(
                id=next_id + i,
                ehak_code=f"{1000 + i}",
                name=name,
                kind=kind,
                county=county,
                county_ehak=county_ehak,
                population=population,
            )
        )
    return orgs


def generate(
    path: Path,
    *,
    orgs: int,
    quarters: int,
    seed: int = DEFAULT_SEED,
    end: date = DEFAULT_END,
    migrate_share: float = 0.15,
) -> Generated:
    """Write a new database at ``path`` (refused if it exists) with ``orgs`` × ``quarters`` of history."""
    if path.exists():
        raise FileExistsError(f"{path} exists; the generator writes a new file")
    if orgs < 1 or quarters < 1:
        raise ValueError("orgs and quarters must be at least 1")
    started = time.perf_counter()
    result = Generated(str(path), orgs, [q[0] for q in quarter_ends(end, quarters)], seed, end.isoformat())
    try:
        cat = _read_catalogue(f"sqlite:///{path}")
        result.seconds["prepare"] = time.perf_counter() - started
        _fill(path, cat, result, migrate_share)
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):  # half a database is no use to anyone
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    result.seconds["total"] = time.perf_counter() - started
    return result


def _fill(path: Path, cat: Catalogue, result: Generated, migrate_share: float) -> None:
    """Build every row in memory, then write them in one transaction (times go into ``result``)."""
    t = time.perf_counter()
    seed, end = result.seed, date.fromisoformat(result.end)
    # Naive UTC throughout, formatted as SQLAlchemy stores UTCDateTime on SQLite.
    qs = [(label, _naive(start), _naive(stop)) for label, start, stop in quarter_ends(end, len(result.quarters))]
    now = _naive(datetime.combine(end, dtime(12), TALLINN))  # as the demo: midday of the end date
    conn = sqlite3.connect(path, isolation_level=None)
    # A bulk load into a new file: no WAL copy of every page, no fsync, a cache that holds the indexes.
    # A failed run leaves a file to throw away (removed below); the app reopens it in WAL mode.
    for pragma in ("journal_mode=MEMORY", "synchronous=OFF", "cache_size=-262144", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    w = Writer(conn)
    keys = list(cat.editions)
    old_key, new_key = (keys[-2], keys[-1]) if len(keys) >= 2 else (keys[-1], keys[-1])
    defaults = dict(conn.execute("SELECT municipality_id, id FROM target_object WHERE is_default"))
    for org in _organisations(conn, random.Random(f"{seed}:orgs"), result.orgs):
        organisation_rows(
            w,
            cat,
            org,
            defaults.get(org["id"]),
            random.Random(f"{seed}:{org['ehak_code']}"),
            qs,
            now,
            old_key,
            new_key,
            migrate_share,
            EXCLUSIONS,
        )
    result.seconds["build"] = time.perf_counter() - t

    t = time.perf_counter()
    # The history's indexes and the status-note search index are built once after the load, from the
    # schema's own DDL ('rebuild' for the external-content FTS table): faster than row by row.
    deferred = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name = "
        "'status_history') OR (type = 'trigger' AND name = 'status_note_fts_ai'))"
    ).fetchall()
    for kind, name, _sql in deferred:
        conn.execute(f"DROP {kind.upper()} {name}")
    result.rows = w.flush()
    for _kind, _name, sql in deferred:
        conn.execute(sql)
    conn.execute("INSERT INTO status_note_fts(status_note_fts) VALUES ('rebuild')")
    # Reference rows loaded "now" by open_database: pinned, so two runs give the same content.
    conn.execute("UPDATE edition SET loaded_at = ?", (PINNED,))
    conn.execute("UPDATE target_object SET created_at = ? WHERE is_default", (PINNED,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    result.rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in result.rows}
    conn.close()
    result.seconds["write"] = time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1000, help="organisations (default 1000)")
    parser.add_argument("--quarters", type=int, default=12, help="quarters of history up to --end (default 12)")
    parser.add_argument("--out", type=Path, required=True, help="the new SQLite file")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="the last day (YYYY-MM-DD)")
    parser.add_argument("--migrate-share", type=float, default=0.15, help="share moving from 2023 to 2024")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if args.force:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.out}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="eits-generate-") as tmp:
        # load_settings reads the config dir: keep the user's own settings and data out of it.
        os.environ.pop("EITS_DATABASE_URL", None)
        os.environ.update(EITS_DATA_DIR=f"{tmp}/data", EITS_CONFIG_DIR=f"{tmp}/config", EITS_USER=ACTOR)
        try:
            result = generate(
                args.out,
                orgs=args.orgs,
                quarters=args.quarters,
                seed=args.seed,
                end=args.end,
                migrate_share=args.migrate_share,
            )
        except (FileExistsError, ValueError) as exc:
            print(f"generate: {exc}", file=sys.stderr)
            return 2
    print(json.dumps(asdict(result), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
