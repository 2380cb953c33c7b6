"""Engine and session factory. Built on demand from a URL, never at import time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlmodel import Session

from eits_tracker.errors import DatabaseError


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3, which is what we install."""
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    return url


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"{url!r} is not a database URL. Use e.g. sqlite:////path/to/file.sqlite3 or "
            "postgresql://user@host:5432/dbname (--database-url or EITS_DATABASE_URL)."
        ) from None
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect, missing driver
        raise DatabaseError(f"cannot use database URL {redact(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs (a released savepoint
    # would commit): let SQLAlchemy emit BEGIN itself, as its documentation recommends.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def check_connection(engine: Engine) -> None:
    """Fail early, with the URL (password hidden) and what to do, when the database can't be reached."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA schema_version")  # reads the header: "file is not a database"
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = (
            "Is it an eits-tracker database (a SQLite file)? Check --database-url / EITS_DATABASE_URL."
            if engine.dialect.name == "sqlite" and not isinstance(exc, OperationalError)
            else "Check --database-url / EITS_DATABASE_URL and that the server is running."
        )
        raise DatabaseError(f"cannot connect to {redact(str(engine.url))}: {reason}. {hint}") from None


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
