"""``eits-tracker report quarterly``, run for real against this test's database (never the TUI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eits_tracker.db.setup import Database
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.statuses import set_status


@pytest.fixture
def tartu(db: Database) -> None:
    """Two basic measures of Tartu linn implemented in 2026Q3, one more in 2026Q4."""
    with db.session() as s:
        mu = munis.find_municipality(s, "Tartu linn")
        for code, when in (
            ("ORP.4.M1", datetime(2026, 8, 3, 9, tzinfo=UTC)),
            ("ORP.4.M2", datetime(2026, 9, 30, 20, tzinfo=UTC)),
            ("ORP.4.M3", datetime(2026, 10, 2, 9, tzinfo=UTC)),
        ):
            set_status(s, municipality=mu, measure_code=code, status="implemented", actor="t", changed_at=when)
        s.commit()


def _nothing_in(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


def test_report_writes_the_quarter_and_prints_the_index(cli, tartu: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports"
    r = cli("report", "quarterly", "--quarter", "2026Q3", "--out", str(out))
    assert r.code == 0, r.err
    index = out / "2026Q3" / "index.md"
    assert index.is_file()
    assert r.out.strip().splitlines()[-1] == str(index)
    assert "79" in r.out  # how many municipalities
    summary = json.loads((out / "2026Q3" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["municipalities"]) == 79 and summary["quarter"] == "2026Q3"
    tartu_row = next(x for x in summary["municipalities"] if x["ehak_code"] == "0793")
    assert tartu_row["recorded"] is True and tartu_row["counts"]["implemented"] == 2  # not the October one
    assert summary["totals"]["recorded"] == 1
    assert sorted(p.name for p in (out / "2026Q3").iterdir()) == [
        "charts",
        "index.md",
        "municipalities",
        "summary.json",
    ]


def test_report_json_lists_every_file_written(cli, tartu: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports"
    r = cli(
        "report", "quarterly", "--quarter", "2026-Q3", "--out", str(out), "--format", "all", "--lang", "en",
        "-m", "Tartu linn", "--municipality", "0303", "--json",
    )  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert (data["quarter"], data["formats"], data["municipalities"]) == ("2026Q3", ["md", "html", "xlsx", "oscal"], 2)
    directory = Path(data["directory"])
    assert directory == out / "2026Q3"
    on_disk = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
    assert sorted(data["files"]) == on_disk
    for name in (
        "index.md", "summary.json", "eits-2026Q3.xlsx", "html/index.html", "html/style.css",
        "municipalities/0793-tartu-linn.md", "municipalities/0793-tartu-linn-rakendusplaan.xlsx",
        "municipalities/0303-kihnu-vald.md", "oscal/0793-tartu-linn.json", "oscal/0303-kihnu-vald.json",
        "html/municipalities/0303-kihnu-vald.html", "charts/levels.svg",
    ):  # fmt: skip
        assert name in data["files"], name
    assert "Generated" in (directory / "index.md").read_text(encoding="utf-8")  # --lang en


def test_report_replaces_the_quarter_whole(cli, tartu: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports"
    assert cli("report", "quarterly", "--quarter", "2026Q3", "--out", str(out), "--format", "md,html").code == 0
    assert (out / "2026Q3" / "html" / "index.html").is_file()
    assert cli("report", "quarterly", "--quarter", "2026Q3", "--out", str(out), "-m", "Tartu linn").code == 0
    assert not (out / "2026Q3" / "html").exists()  # the new run's files only
    assert sorted(p.name for p in out.iterdir()) == ["2026Q3"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--quarter", "2026Q5"), ("quarter", "2026Q5")),
        (("--quarter", "2026Q3", "--format", "pdf"), ("format", "pdf")),
        (("--quarter", "2026Q3", "--format", "md,pdf"), ("format", "pdf")),
        (("--quarter", "2026Q3", "--lang", "de"), ("lang", "de")),
        (("--quarter", "2026Q3", "--municipality", "Atlantis"), ("municipality", "Atlantis")),
        (("--quarter", "2026Q3", "--templates", "not-a-dir"), ("templates", "not-a-dir")),
    ],
)
def test_bad_input_exits_2_naming_the_option_and_writes_nothing(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    out = tmp_path / "reports"
    r = cli("report", "quarterly", "--out", str(out), *(a if a != "not-a-dir" else str(tmp_path / a) for a in args))
    assert r.code == 2, (r.out, r.err)
    for word in words:
        assert word.lower() in r.err.lower(), (word, r.err)
    assert "Traceback" not in r.err
    assert _nothing_in(out), sorted(p.name for p in out.rglob("*"))


def test_templates_that_is_a_file_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    afile = tmp_path / "templates.txt"
    afile.write_text("x", encoding="utf-8")
    out = tmp_path / "reports"
    r = cli("report", "quarterly", "--quarter", "2026Q3", "--out", str(out), "--templates", str(afile))
    assert r.code == 2 and "templates" in r.err and "not a directory" in r.err
    assert _nothing_in(out)


def test_a_broken_template_exits_2_with_file_and_line_and_keeps_the_old_report(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    assert cli("report", "quarterly", "--quarter", "2026Q3", "--out", str(out), "-m", "Tartu linn").code == 0
    before = {p: p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()}
    mine = tmp_path / "mine" / "quarterly"
    mine.mkdir(parents=True)
    (mine / "index.md.j2").write_text("# {{ r.quarter }}\n\n{% for x in r.ranking %}\n", encoding="utf-8")
    r = cli(
        "report",
        "quarterly",
        "--quarter",
        "2026Q3",
        "--out",
        str(out),
        "-m",
        "Tartu linn",
        "--templates",
        str(mine.parent),
    )
    assert r.code == 2 and "index.md.j2" in r.err and "Traceback" not in r.err
    assert {p: p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == ["2026Q3"]
