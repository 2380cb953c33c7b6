"""The status spreadsheet a municipality fills in and sends back (CSV or XLSX).

Export writes one row per in-scope measure and target object, with every
editable field and the row version. Import checks every row first and reports
all problems with row and column; only a file without problems is applied, in
one transaction. A row whose version is older than the database's and that
would change something is a conflict (someone changed it since the export).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import EitsError, ImportFileError, ValidationError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import EDITABLE, set_status
from eits_tracker.tracking.vocab import LABELS, LETTERS, STATUSES

COLUMNS = [
    "ehak_code",
    "municipality",
    "target",
    "measure",
    "module",
    "level",
    "title",
    "status",
    "status_et",
    "letter",
    *EDITABLE.keys(),
    "needs_review",
    "version",
]
REQUIRED = ("measure", "status")
READ_ONLY = {"module", "level", "title", "status_et", "letter", "needs_review"}


def export_rows(session: Session, municipalities: list[m.Municipality]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for mu in municipalities:
        edition = munis.edition_of(session, mu)
        modules = munis.applicable_modules(session, mu)
        measures = session.execute(
            select(m.Measure, m.Module.kind)
            .join(m.Module, m.Module.id == m.Measure.module_id)
            .where(m.Measure.edition_id == edition.id, m.Measure.module_code.in_(modules))  # type: ignore[attr-defined]
            .order_by(m.Measure.id)
        ).all()
        tids = [t.id for t in munis.targets(session, mu)]
        rows = {
            (r.target_object_id, r.measure_id): r
            for r in session.scalars(
                select(m.MeasureStatus).where(
                    m.MeasureStatus.target_object_id.in_(tids),
                    m.MeasureStatus.archived == False,  # type: ignore[attr-defined]  # noqa: E712
                )
            )
        }
        placement: dict[str, list[m.TargetObject]] = {}
        for measure, kind in measures:
            if measure.module_code not in placement:
                placement[measure.module_code] = munis.targets_for_module(session, mu, measure.module_code, kind)
            for target in placement[measure.module_code]:
                st = rows.get((target.id, measure.id))
                status = st.status if st else "not_assessed"
                row: dict[str, Any] = {
                    "ehak_code": mu.ehak_code,
                    "municipality": mu.name,
                    "target": target.name,
                    "measure": measure.code,
                    "module": measure.module_code,
                    "level": measure.level,
                    "title": measure.title,
                    "status": status,
                    "status_et": LABELS["et"][status],
                    "letter": LETTERS[status],
                }
                for name, kind_ in EDITABLE.items():
                    value = getattr(st, name) if st else None
                    if kind_ is list:
                        value = "; ".join(value or [])
                    row[name] = value if value is not None else ""
                row["needs_review"] = "yes" if st and st.needs_review else ""
                row["version"] = st.version if st else 0
                out.append(row)
    return out


def write(rows: list[dict[str, Any]], path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel shows õäöü right
            w = csv.DictWriter(fh, fieldnames=COLUMNS)
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell_text(r.get(k)) for k in COLUMNS})
    elif fmt == "xlsx":
        _write_xlsx(rows, path)
    else:
        raise ValidationError(f"--format {fmt!r}: use csv or xlsx.")


def _cell_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "E-ITS status"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(k) if r.get(k) != "" else None for k in COLUMNS])
    ws.freeze_panes = "H2"
    status_col = COLUMNS.index("status") + 1
    letter = ws.cell(row=1, column=status_col).column_letter
    dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=False)
    dv.error = "Choose a status from the list"
    ws.add_data_validation(dv)
    if rows:
        dv.add(f"{letter}2:{letter}{len(rows) + 1}")
    widths = {"title": 60, "municipality": 18, "target": 20, "note": 40, "implementation": 30, "remaining": 30}
    for i, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = widths.get(name, 14)
    for name in ("approval_date", "review_date", "due_date", "next_review"):
        col = COLUMNS.index(name) + 1
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            row[0].number_format = "yyyy-mm-dd"
    wb.save(path)


# --- import ------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int
    changed: int
    unchanged: int
    municipalities: int


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header and (row number, values) pairs; row numbers as the spreadsheet shows them."""
    if not path.is_file():
        raise ValidationError(f"{path}: file not found.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    raise ValidationError(f"{path}: unknown file type {suffix!r}; import a .csv or .xlsx file.")


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8.") from None
    if not text.strip():
        raise ValidationError(f"{path}: the file is empty.")
    try:
        dialect: Any = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader)]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            rows.append((number, {"__extra__": len(values) - len(header)}))
            continue
        rows.append((number, dict(zip(header, values, strict=False))))
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError inside openpyxl …
        raise ValidationError(f"{path}: not a readable XLSX workbook ({exc}).") from None
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [str(h or "").strip().lower() for h in next(it)]
    except StopIteration:
        raise ValidationError(f"{path}: the first sheet is empty.") from None
    rows = []
    for number, values in enumerate(it, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    wb.close()
    return header, rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_file(session: Session, path: Path, *, actor: str, risk_acceptance_basic: str = "refuse") -> ImportResult:
    """Apply a filled-in spreadsheet; all or nothing. The caller commits."""
    header, rows = read_table(path)
    problems: list[str] = []
    missing = [c for c in REQUIRED if c not in header]
    if "ehak_code" not in header and "municipality" not in header:
        missing.insert(0, "ehak_code (or municipality)")
    if missing:
        raise ImportFileError(str(path), [f"row 1: missing column(s) {', '.join(missing)}"])
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        problems.append(f"row 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}")

    changed = unchanged = 0
    seen: dict[tuple[str, str, str], int] = {}
    cache: dict[str, m.Municipality] = {}
    lookups: dict[Any, Any] = {}
    for number, raw in rows:
        if "__extra__" in raw:
            problems.append(f"row {number}: {raw['__extra__']} more value(s) than columns; check the delimiter")
            continue
        values = {k: _text(v) for k, v in raw.items()}
        who = values.get("ehak_code") or values.get("municipality") or ""
        col = "ehak_code" if values.get("ehak_code") else "municipality"
        if not who:
            problems.append(f"row {number}, column ehak_code: empty; give the EHAK code or name")
            continue
        try:
            mu = cache.get(who) or munis.find_municipality(session, who)
            cache[who] = mu
        except EitsError as exc:
            problems.append(f"row {number}, column {col}: {exc.message}")
            continue
        key = (mu.ehak_code, values.get("target", "").casefold(), values.get("measure", "").upper())
        if key in seen:
            problems.append(f"row {number}: {key[2]} for {mu.name} appears again (first on row {seen[key]})")
            continue
        seen[key] = number
        fields = {name: values[name] for name in EDITABLE if name in values}
        version = values.get("version", "")
        try:
            expected = int(version) if version else None
        except ValueError:
            problems.append(f"row {number}, column version: {version!r} is not a number; keep the exported value")
            continue
        try:
            with session.begin_nested():
                result = set_status(
                    session,
                    municipality=mu,
                    measure_code=values.get("measure", ""),
                    status=values["status"],
                    actor=actor,
                    target=values.get("target") or None,
                    source="import",
                    expected_version=expected,
                    risk_acceptance_basic=risk_acceptance_basic,
                    history_note=f"imported from {path.name} row {number}",
                    cache=lookups,
                    **fields,
                )
        except EitsError as exc:
            problems.append(f"row {number}, column {exc.field or 'status'}: {exc.message}")
            continue
        if result.history is None:
            unchanged += 1
        else:
            changed += 1
    if problems:
        session.rollback()
        raise ImportFileError(str(path), problems)
    return ImportResult(rows=len(rows), changed=changed, unchanged=unchanged, municipalities=len(cache))
