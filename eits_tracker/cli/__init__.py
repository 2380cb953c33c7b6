"""The command line (Typer). Builds settings and the database, and calls the domain functions.

``main`` is the one place where an EitsError becomes a message on stderr and exit code 2.
"""

from __future__ import annotations

import sys

import typer

from eits_tracker import __version__
from eits_tracker.cli import catalog, db, demo, followup, mentor, municipality, report, session, status, tui, user
from eits_tracker.cli import wiki as wiki_cli
from eits_tracker.cli.common import CliState, err
from eits_tracker.errors import EitsError

app = typer.Typer(
    name="eits-tracker",
    help="E-ITS implementation tracking for Estonian local governments.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(municipality.app, name="municipality")
app.add_typer(status.app, name="status")
app.add_typer(db.app, name="db")
app.add_typer(mentor.app, name="mentor")
app.add_typer(session.app, name="session")
app.add_typer(followup.app, name="followup")
app.add_typer(report.app, name="report")
app.command("demo")(demo.demo)
app.command("tui")(tui.tui)
app.add_typer(user.app, name="user")
app.command("audit")(user.audit_command)
app.add_typer(wiki_cli.app, name="wiki")


@app.command("overview")
def overview_command(ctx: typer.Context) -> None:
    """A plain-text overview of the database (what is loaded, how many statuses)."""
    from eits_tracker.cli.overview import overview

    overview(ctx)


def _version(value: bool) -> None:
    if value:
        print(f"eits-tracker {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="EITS_DATABASE_URL", help="SQLAlchemy URL; default: SQLite in the user data dir"
    ),
    user: str | None = typer.Option(None, "--user", help="Who is recorded in the history (default: OS user)"),
    lang: str | None = typer.Option(None, "--lang", help="et or en"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version"),
) -> None:
    """Without a command: start the terminal app."""
    ctx.obj = CliState(overrides={"database_url": database_url, "user": user, "language": lang})
    if ctx.invoked_subcommand not in (None, "tui"):
        import gc

        gc.enable()  # off only for the app's start-up (see eits_tracker/launcher.py)
    if ctx.invoked_subcommand is None:
        tui.launch(ctx)


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click hands back typer.Exit(code) as the return value.
        returned = app(args=argv, prog_name="eits-tracker", standalone_mode=False)
        if isinstance(returned, int) and not isinstance(returned, bool) and returned:
            return returned
    except EitsError as exc:
        err(f"{exc.title}: {exc.message}")
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err("Aborted.")
        return 1
    except KeyboardInterrupt:
        err("Interrupted.")
        return 130
    except Exception as exc:  # usage errors (a bad option) carry their own message and exit code
        if not isinstance(exc, _usage_errors()):
            raise
        exc.show()  # type: ignore[attr-defined]
        return int(exc.exit_code)  # type: ignore[attr-defined]
    return 0


def _usage_errors() -> tuple[type[BaseException], ...]:
    """Typer ≥ 0.20 carries its own copy of click (typer._click), older ones use click itself."""
    found: list[type[BaseException]] = []
    try:
        from typer._click.exceptions import ClickException

        found.append(ClickException)
    except ImportError:
        pass
    try:
        import click

        found.append(click.exceptions.ClickException)
    except ImportError:
        pass
    return tuple(found)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
