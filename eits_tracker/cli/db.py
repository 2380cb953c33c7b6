"""``eits-tracker db upgrade|current|copy|backup|restore``"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from eits_tracker.cli.common import err, print_json, print_table, state
from eits_tracker.db.engine import check_connection, make_engine, redact
from eits_tracker.db.migrate import HEAD, current_revision
from eits_tracker.db.setup import open_database

if TYPE_CHECKING:
    from collections.abc import Callable

    from eits_tracker.db.transfer import Report

app = typer.Typer(
    help="The database: schema upgrade and revision, copy to another database, backup and restore.",
    no_args_is_help=True,
)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Migrate the schema to the newest revision and load missing reference data."""
    settings = state(ctx).settings
    db = open_database(settings, prepare=True)
    for msg in db.messages or ["database is up to date"]:
        print(msg)


@app.command()
def current(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Show the schema revision of the database and the newest this version knows."""
    url = state(ctx).settings.resolved_database_url()
    engine = make_engine(url)
    check_connection(engine)
    rev, head = current_revision(engine), HEAD
    if json_out:
        print_json({"database": redact(str(engine.url)), "current": rev, "head": head, "up_to_date": rev == head})
        return
    print(f"database: {redact(str(engine.url))}")
    print(f"current:  {rev or '(empty: no schema yet)'}")
    print(f"head:     {head}" + ("" if rev == head else "  (run 'eits-tracker db upgrade')"))


@app.command()
def copy(
    source_url: str = typer.Argument(..., metavar="SOURCE_URL", help="Database to copy from (at the newest schema)"),
    target_url: str = typer.Argument(..., metavar="TARGET_URL", help="Database to copy into (migrated first)"),
    replace: bool = typer.Option(False, "--replace", help="Replace everything in a target that has data"),
    json_out: bool = typer.Option(False, "--json", help="Print the verification as JSON"),
) -> None:
    """Copy everything from one database into another (SQLite or PostgreSQL, either way), verified.

    The global --database-url is not used: both databases are named here.
    """
    from eits_tracker.db.transfer import copy_database

    _run(lambda: copy_database(source_url, target_url, replace=replace), json_out, "copied")


@app.command()
def backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="The backup file to write (a SQLite database)"),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists"),
    json_out: bool = typer.Option(False, "--json", help="Print the verification as JSON"),
) -> None:
    """Write a consistent, verified copy of the database to FILE while it stays in use.

    FILE is a SQLite database that 'db restore' loads into SQLite or PostgreSQL and that the app
    can open directly (--database-url sqlite:///FILE).
    """
    from eits_tracker.db.transfer import backup_database

    url = state(ctx).settings.resolved_database_url()
    _run(lambda: backup_database(url, file, force=force), json_out, "backed up")


@app.command()
def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A backup file written by 'db backup'"),
    replace: bool = typer.Option(False, "--replace", help="Replace everything in a database that has data"),
    json_out: bool = typer.Option(False, "--json", help="Print the verification as JSON"),
) -> None:
    """Load a backup FILE into the database (which must be empty, unless --replace), verified."""
    from eits_tracker.db.transfer import restore_database

    url = state(ctx).settings.resolved_database_url()
    _run(lambda: restore_database(file, url, replace=replace), json_out, "restored")


def _run(operation: Callable[[], Report], json_out: bool, verb: str) -> None:
    """Run a transfer and show its verification; a failed one shows the table, then the error (exit 2)."""
    from eits_tracker.db.transfer import VerificationError

    try:
        report = operation()
    except VerificationError as exc:
        _show(exc.report, json_out, verb)
        raise
    _show(report, json_out, verb)


def _show(report: Report, json_out: bool, verb: str) -> None:
    for table in report.skipped:
        err(f"note: table {table} is not an eits-tracker table and was not copied")
    if json_out:
        print_json(report.as_dict())
        return
    rows = [
        {
            "table": t.table,
            "source": t.source_rows,
            "target": t.target_rows,
            "checksum": "match" if t.source_sha256 == t.target_sha256 else "DIFFERS",
        }
        for t in report.tables
    ]
    print_table(
        rows, [("table", "table"), ("source", "source rows"), ("target", "target rows"), ("checksum", "checksum")]
    )
    if report.ok:
        print(
            f"{verb} {report.rows} rows in {len(report.tables)} tables from {report.source} to {report.target} "
            f"in {report.seconds:.1f} s; counts and checksums match"
        )
