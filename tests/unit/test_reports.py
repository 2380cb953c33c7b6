"""The quarterly report's numbers, rebuilt independently, and how the report behaves as files.

Every number of summary.json is worked out again by ``report_seed.Oracle`` from the raw tables (see
its docstring) and, for the small seed, a few of them by hand in the comments. The report is written
for real (files on disk, parsed back) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from report_seed import GENERATED, NOTES, Oracle, Seeded, assert_close, put, quarter_end, seed, utc
from sqlalchemy import select
from sqlmodel import Session

from eits_tracker.access import Access
from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.setup import open_database
from eits_tracker.errors import ValidationError
from eits_tracker.reporting.quarterly import write_quarterly
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.demo import generate

ALL = ("md", "html", "xlsx", "oscal")


@pytest.fixture
def seeded(session: Session) -> Seeded:
    return seed(session)


def write(session: Session, s: Seeded, out: Path, quarter: str = "2026Q3", **kw: Any):  # type: ignore[no-untyped-def]
    kw.setdefault("municipality_ids", s.ids)
    kw.setdefault("generated_at", GENERATED)
    return write_quarterly(session, quarter, out, **kw)


def summary_of(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "summary.json").read_text(encoding="utf-8"))


def by_ehak(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["ehak_code"]: x for x in summary["municipalities"]}


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- summary.json against the independent reading ------------------------------------------


@pytest.mark.parametrize("quarter", ["2026Q3", "2026Q2", "2025Q4"])
def test_every_number_of_summary_json_is_rebuilt_from_the_raw_tables(
    session: Session, seeded: Seeded, tmp_path: Path, quarter: str
) -> None:
    written = write(session, seeded, tmp_path / "out", quarter)
    got = summary_of(written.directory)
    expected = Oracle(session, seeded.ids).expected_summary(quarter)
    assert got["schema"] == "eits-tracker/quarterly-summary/1"
    for key in ("quarter", "previous_quarter", "quarters", "totals", "distribution", "previous_distribution"):
        assert_close(got[key], expected[key], key)
    assert got["quarter_end"].replace("Z", "+00:00") == expected["quarter_end"]
    assert got["thresholds"] == [0.25, 0.5, 0.75]
    mine = by_ehak(got)
    assert sorted(mine) == sorted(expected["municipalities"])
    for ehak, want in expected["municipalities"].items():
        # Layers and modules: exactly the ones with a measure in scope, nothing else.
        assert set(mine[ehak]["layers"]) == set(want["layers"]), ehak
        assert set(mine[ehak]["modules"]) == set(want["modules"]), ehak
        assert_close(mine[ehak], want, ehak)
    assert [(u["code"], u["unmet"], u["in_scope"]) for u in got["unmet_p1"]] == expected["unmet_p1"]
    # The municipalities in Estonian alphabetical order.
    assert [x["name"] for x in got["municipalities"]] == ["Kihnu vald", "Muhu vald", "Ruhnu vald", "Vormsi vald"]


def test_the_seed_worked_out_by_hand(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    """A few numbers by hand, so the reading above cannot share a mistake with the code unnoticed."""
    q3 = by_ehak(summary_of(write(session, seeded, tmp_path / "a").directory))
    kihnu, ruhnu, muhu, vormsi = q3["0303"], q3["0689"], q3["0478"], q3["0907"]
    # Kihnu: CON.6 M1 M2 M11 R, M12 O; ORP.5 M1 P, M2 R; INF.10.M1 R (A) + O (B) = O;
    # INF.10.M3 R (A) + P (B, set at 24:00 exactly) = R.  6 / 7 = 85.7 %: level 3.
    assert kihnu["maturity_level"] == 3 and kihnu["fulfilment"]["basic"] == pytest.approx(6 / 7, abs=1e-6)
    # High: CON.6.M14 O, INF.10.M9 R on A but nothing on B (added in August) = not assessed.
    assert kihnu["in_scope"] == {"basic": 8, "standard": 0, "high": 2}
    assert kihnu["fulfilment"]["high"] == 0.25 and kihnu["coverage"] == 0.9
    assert kihnu["counts"] == {
        "not_assessed": 1, "implemented": 5, "partial": 3, "not_implemented": 0, "not_applicable": 1, "risk_accepted": 0
    }  # fmt: skip
    # 2026Q2: room B did not exist, so INF.10 was room A's alone: 4 / 7, level 2; high M9 = R.
    assert kihnu["previous"]["maturity_level"] == 2 and kihnu["previous"]["fulfilment"]["high"] == 1.0
    assert kihnu["deltas"]["level"] == 1 and kihnu["deltas"]["basic"] == pytest.approx(2 / 7, abs=1e-6)
    assert [t["maturity_level"] for t in kihnu["trend"]] == [None, None, None, None, 1, 1, 2, 3]
    # Ruhnu: 14 basic (CON.8 added), 13.5 / 14; standard: CON.6.M4 risk accepted out of 13 → 1.5 / 12.
    assert ruhnu["in_scope"] == {"basic": 14, "standard": 13, "high": 0} and ruhnu["maturity_level"] == 3
    assert ruhnu["fulfilment"]["standard"] == 0.125 and ruhnu["counts"]["risk_accepted"] == 1
    assert ruhnu["previous"]["fulfilment"]["basic"] == pytest.approx(7.5 / 14, abs=1e-6)
    # Muhu: everything at once in 2026Q3 → level 5, first; nothing before, so no previous numbers.
    assert (muhu["maturity_level"], muhu["rank"], muhu["previous"]) == (5, 1, None)
    assert muhu["deltas"] == dict.fromkeys(("level", "coverage", "basic", "standard", "high"))
    # Vormsi: never recorded, the whole KOV profile in scope, level 0 and last.
    assert (vormsi["recorded"], vormsi["maturity_level"], vormsi["coverage"], vormsi["rank"]) == (False, 0, 0.0, 4)
    assert vormsi["in_scope"]["basic"] > 100 and vormsi["counts"]["not_assessed"] == vormsi["in_scope"]["basic"]
    # Details: the mentor session of 20 August (90 min) and its follow-up due 15 Sept, open at the end.
    assert (kihnu["sessions"], kihnu["session_minutes"]) == (1, 90)
    assert kihnu["followups"] == {"open": 1, "done": 0, "dropped": 0, "overdue": 1}
    assert (kihnu["gaps"], kihnu["excluded"], kihnu["review"]) == (
        2,
        2,
        0,
    )  # M12 O, INF.10.M1 on B O; ORP.5.M1, M3 on B


# --- the demo data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = open_database(load_settings(database_url=f"sqlite:///{path}", user="tester"), prepare=False)
    with db.session() as s:
        generate(s, seed=2026, end=date(2026, 11, 27))
        s.commit()
        yield s
    db.engine.dispose()


@pytest.mark.parametrize("quarter", ["2026Q3", "2025Q4"])
def test_demo_data_every_municipality_agrees_with_the_independent_reading(
    demo: Session, tmp_path: Path, quarter: str
) -> None:
    assert demo.scalar(select(m.EditionMigration.id)) is None  # no edition moves: the reading ignores them
    written = write_quarterly(demo, quarter, tmp_path, generated_at=GENERATED)
    got = by_ehak(summary_of(written.directory))
    oracle = Oracle(demo)
    end = quarter_end(quarter)
    assert len(got) == len(oracle.ids) == 79
    for mid in oracle.ids:
        ehak = oracle.muni[mid].ehak_code
        assert_close(got[ehak], oracle.maturity(mid, end), oracle.muni[mid].name)
    expected = oracle.expected_summary(quarter)
    assert_close(summary_of(written.directory)["distribution"], expected["distribution"], "distribution")
    assert_close(summary_of(written.directory)["totals"], expected["totals"], "totals")
    assert len({x["maturity_level"] for x in got.values()}) >= 3


# --- a past quarter stays as it was -----------------------------------------------------------


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _change_everything_after(session: Session, s: Seeded) -> None:
    """Statuses and plan fields changed on 1 November, a first status for Vormsi, a new room (created now)."""
    kihnu, ruhnu, vormsi = (session.get(m.Municipality, i) for i in (s.kihnu, s.ruhnu, s.vormsi))
    later = utc(2026, 11, 1)
    put(session, kihnu, "CON.6.M12", "not_implemented", later, owner="Uus omanik", due_date="2028-01-01")  # type: ignore[arg-type]
    put(session, kihnu, "CON.6.M2", None, later, owner="Keegi teine", due_date="2027-06-30")  # type: ignore[arg-type]
    put(session, ruhnu, "CON.6.M1", "partial", later)  # type: ignore[arg-type]
    put(session, ruhnu, "CON.8.M3", None, later, owner="Hoopis teine", due_date="2029-01-01")  # type: ignore[arg-type]
    put(session, vormsi, "ORP.4.M1", "implemented", later)  # type: ignore[arg-type]  # Vormsi's first status ever
    munis.add_target(session, kihnu, "Serveriruum C", "room", ["INF.10"])  # type: ignore[arg-type]  # created now
    session.commit()


def test_a_past_quarter_is_the_same_after_later_changes(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = write(session, seeded, out, "2026Q2", formats=ALL)
    before = tree(first.directory)
    plan = first.directory / "municipalities" / "0303-kihnu-vald-rakendusplaan.xlsx"
    cells_before = {name: _cells(first.directory / name) for name in before if name.endswith(".xlsx")}
    assert any("IT-juht" in str(row) for row in cells_before[str(plan.relative_to(first.directory))]["Rakendusplaan"])
    _change_everything_after(session, seeded)
    again = write(session, seeded, out, "2026Q2", formats=ALL)
    after = tree(again.directory)
    assert sorted(after) == sorted(before)
    changed = [
        name
        for name, data in before.items()
        if (_cells(again.directory / name) != cells_before[name] if name.endswith(".xlsx") else after[name] != data)
    ]
    assert changed == []
    # ... while the current quarter does see them.
    now = by_ehak(summary_of(write(session, seeded, tmp_path / "now", "2026Q4").directory))
    assert now["0907"]["recorded"] is True and now["0689"]["counts"]["partial"] >= 1


def test_two_runs_give_the_same_files(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    one = tree(write(session, seeded, tmp_path / "one", formats=("md", "html")).directory)
    two = tree(write(session, seeded, tmp_path / "two", formats=("md", "html")).directory)
    assert one == two
    kinds = {Path(name).suffix for name in one}
    assert kinds == {".md", ".json", ".svg", ".html", ".css"}
    assert "2026-10-05 08:30" in one["index.md"].decode()  # the given generated_at, not the clock


# --- who reads ------------------------------------------------------------------------------------


def _pages(directory: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in (directory / "municipalities").glob("*.md")}


def test_a_mentor_sees_only_the_summary_of_municipalities_not_mentored(
    session: Session, seeded: Seeded, tmp_path: Path
) -> None:
    tartu = munis.find_municipality(session, "Tartu linn")
    session.info["access"] = Access(
        login="kadri",
        name="Kadri Tamm",
        roles=frozenset({"mentor"}),
        home_id=tartu.id,
        mentees=frozenset({seeded.kihnu}),
    )
    written = write(session, seeded, tmp_path, formats=ALL)
    d = written.directory
    got = summary_of(d)
    mine = by_ehak(got)
    assert sorted(mine) == ["0303", "0478", "0689", "0907"]
    assert got["mentoring"] is None
    assert "gaps" in mine["0303"] and mine["0303"]["sessions"] == 1
    pages = _pages(d)
    for ehak in ("0478", "0689", "0907"):
        assert not {"gaps", "excluded", "review", "sessions", "followups"} & set(mine[ehak]), ehak
        page = next(text for stem, text in pages.items() if stem.startswith(ehak))
        assert "Selle omavalitsuse üksikasjad pole sulle nähtavad" in page
        for heading in ("## Avatud lüngad", "## Ei kohaldu", "## Mentorkohtumised", "## Kokkulepped", "rakendusplaan"):
            assert heading not in page, (ehak, heading)
        assert not list(d.glob(f"municipalities/{ehak}-*-rakendusplaan.xlsx")) and not list(d.glob(f"oscal/{ehak}-*"))
        # The summary numbers are there all the same.
        assert "## Näitajad" in page and "## Täitmine moodulite kaupa" in page, ehak
    kihnu = pages["0303-kihnu-vald"]
    assert "## Avatud lüngad" in kihnu and "Arutasime varundust" in kihnu
    assert (d / "municipalities/0303-kihnu-vald-rakendusplaan.xlsx").is_file() and (
        d / "oscal/0303-kihnu-vald.json"
    ).is_file()
    assert "Arutasime varundust" not in (d / "index.md").read_text(encoding="utf-8")
    # The association's matrix lists only the municipality whose details the mentor may see.
    matrix = load_workbook(d / "eits-2026Q3.xlsx")["Staatused"]
    assert [r[0] for r in matrix.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).isdigit()] == ["0303"]


def test_a_contact_sees_their_own_municipality_only(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    """access.py: a contact reads the summary of their own municipality only, so the others are left out."""
    session.info["access"] = Access(login="mari", roles=frozenset({"contact"}), home_id=seeded.ruhnu)
    d = write(session, seeded, tmp_path, formats=ALL).directory
    assert [x["ehak_code"] for x in summary_of(d)["municipalities"]] == ["0689"]
    assert sorted(p.name for p in (d / "municipalities").iterdir()) == [
        "0689-ruhnu-vald-rakendusplaan.xlsx",
        "0689-ruhnu-vald.md",
    ]
    assert sorted(p.name for p in (d / "oscal").iterdir()) == ["0689-ruhnu-vald.json"]
    texts = "".join(data.decode() for name, data in tree(d).items() if not name.endswith(".xlsx"))
    assert "Kihnu" not in texts and "Arutasime" not in texts and "Ruhnu vald" in texts
    matrix = load_workbook(d / "eits-2026Q3.xlsx")["Staatused"]
    assert [r[0] for r in matrix.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).isdigit()] == ["0689"]


# --- a failed run leaves the previous report --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("municipality.md.j2", "# {{ m.name }}\n\n{% if m.detailed %}\nno endif\n", r"municipality\.md\.j2:\d+"),
        ("index.md.j2", "# Title\n\n{{ r.quarter }\n", r"index\.md\.j2:3"),
        ("page.html.j2", "<html>\n{% for x in %}\n", r"page\.html\.j2:2"),
    ],
)
def test_a_broken_template_keeps_the_previous_report(
    session: Session, seeded: Seeded, tmp_path: Path, name: str, text: str, message: str
) -> None:
    out = tmp_path / "out"
    good = write(session, seeded, out, formats=("md", "html"))
    before = tree(good.directory)
    templates = tmp_path / "mine"
    (templates / "quarterly").mkdir(parents=True)
    (templates / "quarterly" / name).write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as info:
        write(session, seeded, out, formats=("md", "html"), templates=templates)
    assert info.value.field == "templates"
    assert name in info.value.message
    assert tree(out / "2026Q3") == before
    assert sorted(p.name for p in out.iterdir()) == ["2026Q3"]  # no staging directory left behind


def test_a_first_run_that_fails_leaves_nothing(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    templates = tmp_path / "mine"
    (templates / "quarterly").mkdir(parents=True)
    (templates / "quarterly" / "index.md.j2").write_text("{{ nothing_here }}\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match=r"index\.md\.j2"):
        write(session, seeded, out, templates=templates)
    assert not out.exists() or list(out.iterdir()) == []


def test_the_quarter_boundary_is_24_00_tallinn(session: Session, seeded: Seeded, tmp_path: Path) -> None:
    """The seed's change at exactly 2026-09-30 21:00 UTC belongs to 2026Q3; one a second later to 2026Q4."""
    assert quarter_end("2026Q3").isoformat() == "2026-09-30T21:00:00+00:00"
    assert quarter_end("2025Q4").isoformat() == "2025-12-31T22:00:00+00:00"  # winter time
    kihnu = session.get(m.Municipality, seeded.kihnu)
    put(session, kihnu, "ORP.5.M2", "not_implemented", utc(2026, 9, 30, 21, 0, 1))  # type: ignore[arg-type]
    session.commit()
    q3 = by_ehak(summary_of(write(session, seeded, tmp_path / "a").directory))["0303"]
    assert q3["counts"]["implemented"] == 5 and q3["counts"]["not_implemented"] == 0
    q4 = by_ehak(summary_of(write(session, seeded, tmp_path / "b", "2026Q4").directory))["0303"]
    assert q4["counts"]["not_implemented"] >= 2  # ORP.5.M2 and CON.6.M1 (15 Oct)
    assert NOTES.splitlines()[0] in (tmp_path / "a" / "2026Q3" / "municipalities" / "0303-kihnu-vald.md").read_text()
