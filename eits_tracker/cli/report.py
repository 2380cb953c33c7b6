"""``eits-tracker report quarterly``: the quarter's maturity report in Markdown, HTML, XLSX and OSCAL."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from eits_tracker.cli.common import err, print_json, state

app = typer.Typer(help="Reports: the quarterly maturity report of every municipality.", no_args_is_help=True)


@app.command("quarterly")
def quarterly(
    ctx: typer.Context,
    quarter: str | None = typer.Option(None, "--quarter", help="e.g. 2026Q3; default: the last completed quarter"),
    out: Path = typer.Option(..., "--out", help="directory; the report goes to OUT/<quarter>/ (replaced whole)"),
    municipality: list[str] = typer.Option(
        [], "--municipality", "-m", help="only these (EHAK code or name; repeat the option); default: all"
    ),
    formats: str = typer.Option("md", "--format", help="comma-separated: md, html, xlsx, oscal, or all"),
    lang: str | None = typer.Option(None, "--lang", help="et or en; default: the app's language setting"),
    templates: Path | None = typer.Option(
        None, "--templates", help="your copy of the reports/ templates; files it lacks come from the shipped ones"
    ),
    json_out: bool = typer.Option(False, "--json", help="print what was written as JSON"),
) -> None:
    """Write the quarterly report, computed from the status history as of the quarter's end.

    The same quarter always gives the same numbers: later status changes do not alter a past quarter.
    """
    from eits_tracker.reporting.quarterly import parse_formats, write_quarterly
    from eits_tracker.reporting.render import check_language, check_templates
    from eits_tracker.timeutil import utcnow
    from eits_tracker.tracking.maturity import last_completed_quarter
    from eits_tracker.tracking.municipalities import find_municipality

    st = state(ctx)
    # Options first, so a typo costs nothing and writes nothing.
    wanted = parse_formats(formats)
    language = check_language(lang or st.settings.resolved_language())
    check_templates(templates)
    db = st.db()
    q = quarter or last_completed_quarter(utcnow())
    started = time.perf_counter()
    shown = -1.0

    def progress(what: str, share: float) -> None:
        nonlocal shown
        if sys.stderr.isatty() and share - shown >= 0.05:
            shown = share
            err(f"  {round(share * 100):3d} %  {what}")

    with db.session() as s:
        ids = [find_municipality(s, name).id for name in municipality] or None
        written = write_quarterly(
            s,
            q,
            out,
            formats=wanted,
            lang=language,
            templates=templates,
            municipality_ids=ids,  # type: ignore[arg-type]
            thresholds=st.settings.maturity_thresholds,
            progress=progress,
        )
    seconds = time.perf_counter() - started
    report = written.report
    if json_out:
        print_json(
            {
                "quarter": report.quarter,
                "directory": str(written.directory),
                "formats": list(wanted),
                "municipalities": len(report.municipalities),
                "files": [str(p.relative_to(written.directory)) for p in written.files],
                "seconds": round(seconds, 3),
            }
        )
        return
    index = written.directory / ("index.md" if "md" in wanted else "html/index.html")
    print(
        f"{report.quarter}: {len(report.municipalities)} municipalities, {len(written.files)} files "
        f"({', '.join(wanted)}) in {seconds:.1f} s"
    )
    print(index if index.exists() else written.directory)
