"""Opening the two ends of a copy, backup or restore: URLs and files checked before anything is read or
written, each failure a sentence naming the setting or file to check (see ``db.transfer``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from eits_tracker.db.engine import make_engine, normalise_url, redact
from eits_tracker.db.migrate import HEAD, current_revision
from eits_tracker.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"


def _reason(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    return str(orig).strip().splitlines()[0]


#: With row_security off, PostgreSQL raises an error where row-level security (migration 0005) would
#: quietly hide rows from a user's login: a copy is all of the database or nothing.
_ROW_SECURITY = "row-level security"


def _hint(exc: BaseException) -> str:
    reason = _reason(exc).lower()
    if _ROW_SECURITY in reason:
        return (
            " Your login sees only some of the rows (row-level security): copy with the login that owns the "
            "tables or a superuser's."
        )
    if "lock timeout" in reason or "database is locked" in reason:
        return " Another program is writing to the database: close it and try again."
    return ""


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend, memory or a ``file:`` URI."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return None
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser()


def _same_database(a: str, b: str) -> bool:
    pa, pb = _sqlite_path(a), _sqlite_path(b)
    if pa is not None or pb is not None:
        return pa is not None and pb is not None and pa.exists() and pb.exists() and pa.samefile(pb)
    try:
        ua, ub = make_url(normalise_url(a)), make_url(normalise_url(b))
    except ArgumentError:
        return False

    def where(u: Any) -> tuple[Any, ...]:
        return (u.get_backend_name(), u.host or "localhost", u.port or 5432, u.database)

    return where(ua) == where(ub)


def _check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    if not path.exists():
        if must_exist:
            raise DatabaseError(f"there is no file {path}: check the path.")
        return
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: check the path.")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if head and head != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database: check the path (a backup is a .sqlite3 file).")


def _connect(url: str, where: str) -> Engine:
    """An engine that has connected once; ``where`` names the setting to check when it cannot."""
    path = _sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=False)
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        reason = _reason(exc)
        todo = (
            "Create it first (createdb, or CREATE DATABASE in psql)"
            if "does not exist" in reason
            else f"Check {where} and that the server is running"
        )
        raise DatabaseError(f"cannot open {redact(url)}: {reason}. {todo}.") from None
    return engine


def _open_source(url: str, *, label: str, where: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=True)  # never create an empty file where a source should be
    engine = _connect(url, where)
    try:
        _require_head(engine, label, f"run 'eits-tracker --database-url {label} db upgrade' first")
    except BaseException:
        engine.dispose()
        raise
    return engine


def _open_source_file(file: Path) -> Engine:
    """A backup file, read-only (it may sit on read-only media) unless it is in WAL mode."""
    with file.open("rb") as fh:
        wal = fh.read(20)[18:19] == b"\x02"  # file format version: 1 rollback journal, 2 WAL
    if wal:
        return _open_source(f"sqlite:///{file}", label=str(file), where="the file")
    uri = "file:" + file.resolve().as_posix().replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri + "?mode=ro", uri=True, check_same_thread=False),
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    try:
        _require_head(
            engine,
            str(file),
            f"upgrade it first with 'eits-tracker --database-url sqlite:///{file} db upgrade' (on a copy, to keep "
            "the original as it is)",
        )
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot read {file}: {_reason(exc)}.") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _require_head(engine: Engine, label: str, what_to_do: str) -> None:
    rev = current_revision(engine)
    if rev is None:
        raise DatabaseError(f"{label} is not an eits-tracker database (it has no schema): check the URL or the file.")
    if rev != HEAD:
        raise DatabaseError(
            f"{label} is at schema revision {rev}, this eits-tracker expects {HEAD}: {what_to_do} "
            "(or, if a newer eits-tracker wrote it, use that version)."
        )
