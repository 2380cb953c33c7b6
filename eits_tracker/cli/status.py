"""``eits-tracker status set|show|history|export|import|migrate``"""

from __future__ import annotations

from pathlib import Path

import typer

from eits_tracker.cli.common import err, print_json, print_table, state
from eits_tracker.errors import ValidationError
from eits_tracker.timeutil import show as show_time
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking import statuses
from eits_tracker.tracking.vocab import label

app = typer.Typer(
    help="Implementation statuses: set, show, history, spreadsheets, edition migration.", no_args_is_help=True
)
JSON = typer.Option(False, "--json", help="Print JSON for scripts")
MUNI = typer.Argument(..., help="EHAK code or name, e.g. 0793 or Tartu")


@app.command("set")
def set_(
    ctx: typer.Context,
    municipality: str = MUNI,
    measure: str = typer.Argument(..., help="Measure code, e.g. ORP.4.M1"),
    status: str = typer.Argument(
        ...,
        help="implemented, partial, not_implemented, not_applicable, risk_accepted, "
        "not_assessed (Estonian labels and R/O/E/P/A work too)",
    ),
    target: str | None = typer.Option(None, "--target", help="Target object (default: the whole organisation)"),
    note: str | None = typer.Option(None, "--note"),
    justification: str | None = typer.Option(
        None, "--justification", help="Required for not_applicable and risk_accepted"
    ),
    approved_by: str | None = typer.Option(None, "--approved-by", help="Who accepted the risk"),
    approval_date: str | None = typer.Option(None, "--approval-date", help="YYYY-MM-DD"),
    decision: str | None = typer.Option(
        None, "--decision-ref", "--decision", help="Decision reference, e.g. the municipal order"
    ),
    review_date: str | None = typer.Option(None, "--review-date", help="When the accepted risk is reviewed"),
    owner: str | None = typer.Option(None, "--owner"),
    due: str | None = typer.Option(None, "--due", help="Due date YYYY-MM-DD"),
    implementation: str | None = typer.Option(None, "--implementation", help="How it is implemented"),
    remaining: str | None = typer.Option(None, "--remaining", help="What remains to do"),
    priority: str | None = typer.Option(None, "--priority", help="P1, P2 or P3"),
    cost: str | None = typer.Option(None, "--cost", help="Estimated cost in EUR"),
    next_review: str | None = typer.Option(None, "--next-review", help="YYYY-MM-DD"),
    evidence: list[str] | None = typer.Option(None, "--evidence", help="Evidence reference (repeatable)"),
    expected_version: int | None = typer.Option(
        None, "--expected-version", help="Refuse if the status changed since this version"
    ),
    json_out: bool = JSON,
) -> None:
    """Set a status (and its fields) for one measure; a history row records the change."""
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        change = statuses.set_status(
            s,
            municipality=mu,
            measure_code=measure,
            status=status,
            actor=db.actor,
            target=target,
            source="cli",
            expected_version=expected_version,
            risk_acceptance_basic=db.settings.risk_acceptance_basic,
            note=note,
            justification=justification,
            approved_by=approved_by,
            approval_date=approval_date,
            decision_ref=decision,
            review_date=review_date,
            owner=owner,
            due_date=due,
            implementation=implementation,
            remaining=remaining,
            priority=priority,
            cost_eur=cost,
            next_review=next_review,
            evidence=list(evidence) if evidence else None,
        )
        s.commit()
        row, hist = change.row, change.history
    for w in change.warnings:
        err(f"Warning: {w}")
    if json_out:
        print_json(
            {
                "municipality": mu.name,
                "measure": measure.upper(),
                "status": row.status,
                "version": row.version,
                "changed": hist is not None,
                "old_status": hist.old_status if hist else row.status,
                "warnings": change.warnings,
            }
        )
    elif hist is None:
        print(f"{mu.name} {measure.upper()}: already {row.status}; nothing changed")
    else:
        print(
            f"{mu.name} {measure.upper()}: {hist.old_status or 'not_assessed'} → {row.status} (version {row.version})"
        )


@app.command()
def show(
    ctx: typer.Context,
    municipality: str = MUNI,
    module: str | None = typer.Option(None, "--module", "-m", help="Only this module"),
    status_filter: str | None = typer.Option(None, "--status", help="Only measures with this status"),
    json_out: bool = JSON,
) -> None:
    """Statuses of the municipality's in-scope measures, rolled up over its target objects."""
    from eits_tracker.tracking.vocab import parse_status

    db = state(ctx).db()
    lang = db.settings.resolved_language()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        rows = statuses.status_overview(s, mu, module=module)
    if status_filter:
        wanted = parse_status(status_filter)
        rows = [r for r in rows if r.status == wanted]
    if json_out:
        print_json([{**r.__dict__} for r in rows])
        return
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    table = [
        {
            "code": r.code,
            "level": r.level,
            "status": label(r.status, lang) + (" ⚑" if r.needs_review else ""),
            "owner": r.owner,
            "due": r.due_date,
            "kov": r.priority_kov,
            "title": r.title,
        }
        for r in rows
    ]
    print_table(
        table,
        [
            ("code", "Measure"),
            ("level", "Level"),
            ("kov", "KOV"),
            ("status", "Status"),
            ("owner", "Owner"),
            ("due", "Due"),
            ("title", "Title"),
        ],
        title=f"{mu.name}: {len(rows)} measures" + (f" in {module.upper()}" if module else ""),
    )
    print(", ".join(f"{label(k, lang)} {v}" for k, v in sorted(counts.items())))


@app.command()
def history(
    ctx: typer.Context, municipality: str = MUNI, measure: str = typer.Argument(...), json_out: bool = JSON
) -> None:
    """Every change of one measure's status, oldest first (times in Europe/Tallinn)."""
    db = state(ctx).db()
    with db.session() as s:
        mu = munis.find_municipality(s, municipality)
        rows = statuses.history(s, mu, measure)
    tz = db.settings.timezone
    if json_out:
        print_json(
            [
                {
                    "changed_at": h.changed_at,
                    "changed_by": h.changed_by,
                    "source": h.source,
                    "edition": h.edition_key,
                    "old_status": h.old_status,
                    "new_status": h.new_status,
                    "note": h.note,
                    "changes": h.changes,
                }
                for h in rows
            ]
        )
        return
    if not rows:
        print(f"{mu.name} {measure.upper()}: no changes recorded (not assessed)")
        return
    table = [
        {
            "when": show_time(h.changed_at, tz),
            "who": h.changed_by,
            "source": h.source,
            "change": f"{h.old_status or '—'} → {h.new_status}",
            "fields": ", ".join(k for k in h.changes if k != "note"),
            "note": h.note,
        }
        for h in rows
    ]
    print_table(
        table,
        [
            ("when", "When (Tallinn)"),
            ("who", "Who"),
            ("source", "Source"),
            ("change", "Status"),
            ("fields", "Fields changed"),
            ("note", "Note"),
        ],
        title=f"{mu.name} {measure.upper()}",
    )


@app.command()
def export(
    ctx: typer.Context,
    municipality: str | None = typer.Argument(None, help="EHAK code or name (or --all)"),
    all_: bool = typer.Option(False, "--all", help="Every municipality"),
    fmt: str = typer.Option("xlsx", "--format", "-f", help="csv or xlsx"),
    out: Path = typer.Option(..., "--out", "-o", help="Output file"),
) -> None:
    """Write the status spreadsheet a municipality fills in and sends back."""
    from eits_tracker.tracking import spreadsheet

    if bool(municipality) == all_:
        raise ValidationError("name one municipality or give --all.")
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(f"--format {fmt!r}: use csv or xlsx.")
    db = state(ctx).db()
    with db.session() as s:
        targets = munis.list_municipalities(s) if all_ else [munis.find_municipality(s, municipality or "")]
        rows = spreadsheet.export_rows(s, targets)
    spreadsheet.write(rows, out, fmt)
    print(f"wrote {out}: {len(rows)} rows for {len(targets)} municipalit{'y' if len(targets) == 1 else 'ies'}")


@app.command("import")
def import_(
    ctx: typer.Context, path: Path = typer.Argument(..., help="Filled-in .csv or .xlsx"), json_out: bool = JSON
) -> None:
    """Apply a filled-in spreadsheet: all rows or, if any row is wrong, none."""
    from eits_tracker.tracking import spreadsheet

    db = state(ctx).db()
    with db.session() as s:
        result = spreadsheet.import_file(
            s, path, actor=db.actor, risk_acceptance_basic=db.settings.risk_acceptance_basic
        )
        s.commit()
    if json_out:
        print_json(result.__dict__)
    else:
        print(
            f"imported {path.name}: {result.rows} rows, {result.changed} changed, {result.unchanged} unchanged, "
            f"{result.municipalities} municipalit{'y' if result.municipalities == 1 else 'ies'}"
        )


@app.command()
def migrate(
    ctx: typer.Context,
    municipality: str | None = typer.Argument(None, help="EHAK code or name (or --all)"),
    all_: bool = typer.Option(False, "--all", help="Every municipality"),
    to: str = typer.Option(..., "--to", help="Edition key to move to, e.g. 2024"),
    json_out: bool = JSON,
) -> None:
    """Move work to another edition: keep, flag changed for review, archive removed, add new as not assessed."""
    from eits_tracker.catalog.diff import EditionDiff, diff_editions
    from eits_tracker.catalog.queries import find_edition
    from eits_tracker.tracking.editions import migrate_municipality

    if bool(municipality) == all_:
        raise ValidationError("name one municipality or give --all.")
    db = state(ctx).db()
    results = []
    with db.session() as s:
        target = find_edition(s, to)
        chosen = munis.list_municipalities(s) if all_ else [munis.find_municipality(s, municipality or "")]
        diffs: dict[int, EditionDiff] = {}
        for mu in chosen:
            current = munis.edition_of(s, mu)
            if current.id not in diffs and current.id != target.id:
                diffs[current.id] = diff_editions(s, current, target)
            diff = diffs.get(current.id)  # type: ignore[arg-type]
            results.append(migrate_municipality(s, mu, target, actor=db.actor, diff=diff))
        s.commit()
    if json_out:
        print_json([r.__dict__ for r in results])
        return
    for r in results:
        if r.skipped:
            print(f"{r.municipality}: already on {r.to_key}")
        else:
            print(
                f"{r.municipality}: {r.from_key} → {r.to_key}: {r.kept} kept, {r.flagged} flagged for review, "
                f"{r.archived} archived, {r.added} new measures not assessed"
            )
