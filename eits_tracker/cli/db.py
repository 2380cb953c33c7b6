"""``eits-tracker db upgrade|current``"""

from __future__ import annotations

import typer

from eits_tracker.cli.common import print_json, state
from eits_tracker.db.engine import check_connection, make_engine, redact
from eits_tracker.db.migrate import HEAD, current_revision
from eits_tracker.db.setup import open_database

app = typer.Typer(help="Database schema: upgrade and show the current revision.", no_args_is_help=True)


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
