"""The status spreadsheet: export, fill in, import; all errors with row and column; all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.errors import ImportFileError
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking import spreadsheet
from eits_tracker.tracking.statuses import history, set_status


def _export(session: Session, tmp_path: Path, fmt: str, name: str = "Rapla vald") -> Path:
    mu = munis.find_municipality(session, name)
    rows = spreadsheet.export_rows(session, [mu])
    path = tmp_path / f"status.{fmt}"
    spreadsheet.write(rows, path, fmt)
    return path


def _history_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(m.StatusHistory)) or 0


def test_csv_round_trip_applies_only_what_changed(session: Session, tmp_path: Path) -> None:
    path = _export(session, tmp_path, "csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len({r["measure"] for r in rows}) > 500
    rows[0].update(status="implemented", owner="Õie Šäär", note="tehtud")
    rows[1].update(status="O", due_date="2027-03-31", evidence="kord nr 5; protokoll")
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=spreadsheet.COLUMNS)
        w.writeheader()
        w.writerows(rows)
    mu = munis.find_municipality(session, "Rapla vald")
    result = spreadsheet.import_file(session, path, actor="mari")
    session.commit()
    assert (result.changed, result.unchanged) == (2, len(rows) - 2)
    h = history(session, mu, rows[0]["measure"])
    assert h[-1].new_status == "implemented" and h[-1].source == "import" and h[-1].changed_by == "mari"
    assert h[-1].changes["owner"] == ["", "Õie Šäär"]
    # The same file again changes nothing.
    again = spreadsheet.import_file(session, path, actor="mari")
    assert again.changed == 0


def test_xlsx_round_trip(session: Session, tmp_path: Path) -> None:
    path = _export(session, tmp_path, "xlsx")
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header == spreadsheet.COLUMNS
    col = {name: i + 1 for i, name in enumerate(header)}
    ws.cell(row=2, column=col["status"], value="partial")
    ws.cell(row=2, column=col["remaining"], value="Kinnitada kord")
    code = ws.cell(row=2, column=col["measure"]).value
    wb.save(path)
    result = spreadsheet.import_file(session, path, actor="jaan")
    session.commit()
    assert result.changed == 1
    mu = munis.find_municipality(session, "Rapla vald")
    assert history(session, mu, code)[-1].changes["remaining"] == ["", "Kinnitada kord"]


def test_every_error_is_reported_and_nothing_is_imported(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "ehak_code,measure,status,justification,due_date\n"
        "0668,ISMS.1.M1,implemented,,\n"  # fine on its own
        "0668,ISMS.1.M999,implemented,,\n"  # unknown measure
        "0668,ORP.4.M1,done,,\n"  # unknown status
        "0668,ORP.4.M2,not_applicable,,\n"  # missing justification
        "9999,ORP.4.M3,implemented,,\n"  # unknown municipality
        "0668,ORP.4.M4,partial,,31.12.2026\n",  # bad date
        encoding="utf-8",
    )
    before = _history_count(session)
    with pytest.raises(ImportFileError) as info:
        spreadsheet.import_file(session, path, actor="t")
    problems = info.value.problems
    assert len(problems) == 5, problems
    assert problems[0].startswith("row 3, column measure") and "ISMS.1.M999" in problems[0]
    assert problems[1].startswith("row 4, column status")
    assert problems[2].startswith("row 5, column justification")
    assert problems[3].startswith("row 6, column ehak_code")
    assert problems[4].startswith("row 7, column due_date")
    assert "bad.csv" in str(info.value)
    session.rollback()
    assert _history_count(session) == before


def test_a_row_changed_since_the_export_is_a_conflict(session: Session, tmp_path: Path) -> None:
    path = _export(session, tmp_path, "csv")
    mu = munis.find_municipality(session, "Rapla vald")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    code = rows[0]["measure"]
    set_status(session, municipality=mu, measure_code=code, status="implemented", actor="someone-else")
    session.commit()
    rows[0]["status"] = "not_implemented"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=spreadsheet.COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ImportFileError, match=r"row 2, column version: .*someone-else"):
        spreadsheet.import_file(session, path, actor="t")


def test_missing_columns_and_semicolon_files(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "nocols.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="row 1: missing column"):
        spreadsheet.import_file(session, bad, actor="t")
    semi = tmp_path / "semi.csv"
    semi.write_text("municipality;measure;status\nRapla vald;ISMS.1.M1;rakendatud\n", encoding="utf-8")
    assert spreadsheet.import_file(session, semi, actor="t").changed == 1
