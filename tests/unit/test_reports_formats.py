"""The report's formats, parsed back: HTML (html.parser), XLSX (openpyxl), OSCAL (compliance-trestle),
and the Markdown against golden files.

Expected statuses come from ``report_seed.Oracle`` (the raw tables read independently), never from the
report's own data. ``EITS_UPDATE_GOLDEN=1`` rewrites the golden files: read them before committing.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from report_seed import GENERATED, NOTES, Oracle, Seeded, quarter_end, seed
from sqlmodel import Session
from trestle.oscal.ssp import SystemSecurityPlan

from eits_tracker import __version__
from eits_tracker.reporting.quarterly import Written, write_quarterly

GOLDEN = Path(__file__).parents[1] / "data" / "golden" / "quarterly"
LETTER = {"implemented": "R", "partial": "O", "not_implemented": "E", "not_applicable": "P", "risk_accepted": "A"}
OSCAL_STATE = {
    "implemented": "implemented",
    "partial": "partial",
    "not_implemented": "planned",
    "not_applicable": "not-applicable",
    "risk_accepted": "alternative",
    "not_assessed": "planned",
}
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "form", "base", "meta-refresh"}


@pytest.fixture
def seeded(session: Session) -> Seeded:
    return seed(session)


@pytest.fixture
def written(session: Session, seeded: Seeded, tmp_path: Path) -> Written:
    return write_quarterly(
        session,
        "2026Q3",
        tmp_path / "out",
        formats=("md", "html", "xlsx", "oscal"),
        municipality_ids=seeded.ids,
        generated_at=GENERATED,
    )


# --- HTML ---------------------------------------------------------------------------------------


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Parsed:
    p = Parsed()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def test_html_site_links_resolve_and_carry_nothing_executable(written: Written) -> None:
    d = written.directory
    pages = sorted((d / "html").rglob("*.html"))
    slugs = ("0303-kihnu-vald", "0478-muhu-vald", "0689-ruhnu-vald", "0907-vormsi-vald")
    assert {p.relative_to(d).as_posix() for p in pages} == {
        "html/index.html",
        *(f"html/municipalities/{slug}.html" for slug in slugs),
    }
    links = 0
    for page in [*pages, *sorted((d / "html").rglob("*.svg"))]:
        parsed = parse(page)
        for tag, attrs in parsed.tags:
            assert tag not in DANGEROUS_TAGS, (page.name, tag)
            for name, value in attrs:
                assert not name.lower().startswith("on"), (page.name, tag, name, value)
                text = re.sub(r"\s", "", value or "").lower()
                assert "javascript:" not in text and "vbscript:" not in text, (page.name, tag, name, value)
                if name not in ("href", "src", "xlink:href") or value is None:
                    continue
                if re.match(r"^[a-z][a-z0-9+.-]*:|^//", value, re.I) or value.startswith("#"):
                    continue  # absolute (http/mailto) or within the page
                target = (page.parent / value.split("#")[0].split("?")[0]).resolve()
                assert target.is_file(), f"{page.relative_to(d)}: {tag} {name}={value} → missing {target}"
                assert target.is_relative_to(d.resolve()), (page.name, value)
                links += 1
    assert links > 20  # charts, style, the pages among themselves, the plan workbooks


def test_hostile_session_notes_are_shown_as_text(written: Written) -> None:
    page = written.directory / "html" / "municipalities" / "0303-kihnu-vald.html"
    parsed = parse(page)
    shown = "".join(parsed.text)
    for line in NOTES.splitlines():
        assert line in shown, line  # the note is there, as text
    assert [t for t, _ in parsed.tags if t in ("iframe", "script")] == []
    images = [dict(attrs).get("src") for t, attrs in parsed.tags if t == "img"]
    assert images == ["../charts/trend-0303-kihnu-vald.svg"]  # the chart, not the note's <img src=x>
    hrefs = [v for _t, attrs in parsed.tags for n, v in attrs if n == "href"]
    assert not any("alert" in (v or "") for v in hrefs)
    raw = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "<script" not in raw.lower()
    assert "<iframe" not in raw.lower() and "onerror=" not in raw.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_markdown_links_resolve(written: Written) -> None:
    d = written.directory
    for page in [d / "index.md", *sorted((d / "municipalities").glob("*.md"))]:
        for href in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
                continue  # absolute; the session notes' javascript: link is the user's text (see the HTML test)
            assert (page.parent / href.split("#")[0]).is_file(), (page.name, href)


# --- XLSX ---------------------------------------------------------------------------------------


def test_status_matrix_letters_equal_the_rolled_up_statuses(session: Session, seeded: Seeded, written: Written) -> None:
    oracle = Oracle(session, seeded.ids)
    end = quarter_end("2026Q3")
    book = load_workbook(written.directory / "eits-2026Q3.xlsx")
    assert book.sheetnames == ["Kokkuvõte", "Staatused"]
    rows = list(book["Staatused"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:2] == ("EHAK", "Omavalitsus")
    codes = [c for c in head[2:] if c]
    body = [r for r in rows[1:] if r[0] and str(r[0]).isdigit()]
    assert [r[0] for r in body] == ["0303", "0478", "0689", "0907"]  # one row per municipality
    by_code = {mid: {s.code: s for s in oracle.states(mid, end)} for mid in oracle.ids}
    assert set(codes) == {c for states in by_code.values() for c in states}  # every measure in scope somewhere
    ehak_id = {oracle.muni[i].ehak_code: i for i in oracle.ids}
    for row in body:
        states = by_code[ehak_id[row[0]]]
        for code, cell in zip(codes, row[2:], strict=False):
            state = states.get(code)
            want = None if state is None else LETTER.get(state.status, "–")
            assert cell == want, (row[1], code, cell, state)
    kihnu = dict(zip(codes, next(r for r in body if r[0] == "0303")[2:], strict=False))
    # Spot checks by hand: R + O on two rooms → O; R + P → R; R on A, nothing on B → –; not in scope → empty.
    assert (kihnu["INF.10.M1"], kihnu["INF.10.M3"], kihnu["INF.10.M9"], kihnu["ORP.5.M1"]) == ("O", "R", "–", "P")
    assert kihnu.get("CON.6.M4") is None and kihnu["CON.6.M14"] == "O"


def test_summary_sheet_equals_summary_json(written: Written) -> None:
    d = written.directory
    summary = {x["ehak_code"]: x for x in json.loads((d / "summary.json").read_text())["municipalities"]}
    rows = list(load_workbook(d / "eits-2026Q3.xlsx")["Kokkuvõte"].iter_rows(values_only=True))
    assert len(rows) == 1 + len(summary)
    for row in rows[1:]:
        s = summary[row[0]]
        assert (row[1], row[2], row[5], row[6]) == (s["name"], s["county"], s["rank"], s["maturity_level"])
        assert row[7] == (s["previous"]["maturity_level"] if s["previous"] else None)
        for col, value in zip(
            row[8:12], (*(s["fulfilment"][lv] for lv in ("basic", "standard", "high")), s["coverage"]), strict=True
        ):
            assert (col is None and value is None) or col == pytest.approx(value, abs=1e-6), (row[0], col, value)
        delta = s["deltas"]["basic"]
        assert row[12] == (None if delta is None else pytest.approx(round(delta * 100, 1), abs=0.051))
        statuses = ("not_assessed", "implemented", "partial", "not_implemented", "not_applicable", "risk_accepted")
        assert list(row[13:19]) == [s["counts"][k] for k in statuses]


def _plan(path: Path) -> list[dict[str, Any]]:
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    head = rows[3]
    assert head[:6] == ("Moodul", "Meede", "Pealkiri", "Tase", "Sihtobjekt", "Staatus")
    return [dict(zip(head, r, strict=True)) for r in rows[4:] if r[1]]


def test_implementation_plan_has_a_row_per_measure_and_target_as_of_the_quarter_end(
    session: Session, seeded: Seeded, written: Written
) -> None:
    oracle = Oracle(session, seeded.ids)
    end = quarter_end("2026Q3")
    d = written.directory
    for mid in oracle.ids:
        row = oracle.muni[mid]
        slug = f"{row.ehak_code}-{row.name.lower().replace(' ', '-')}"
        plan = _plan(d / "municipalities" / f"{slug}-rakendusplaan.xlsx")
        expected = sorted(
            (s.code, oracle.target_name[tid], LETTER.get(st, "–"))
            for s in oracle.states(mid, end)
            for tid, st in s.targets
        )
        assert sorted((r["Meede"], r["Sihtobjekt"], r["Staatus"]) for r in plan) == expected, row.name
    kihnu = {
        (r["Meede"], r["Sihtobjekt"]): r for r in _plan(d / "municipalities" / "0303-kihnu-vald-rakendusplaan.xlsx")
    }
    m12 = kihnu[("CON.6.M12", "Kogu organisatsioon")]
    # Owner and due date of 30 September, not those set on 15 October.
    assert (m12["Vastutaja"], m12["Tähtaeg"], m12["Staatus"]) == ("IT-juht", datetime(2026, 12, 31), "O")
    assert kihnu[("CON.6.M1", "Kogu organisatsioon")]["Vastutaja"] == "Vallasekretär"
    assert (
        kihnu[("INF.10.M3", "Serveriruum B")]["Riski aktsepteerimise / mittekohaldamise põhjendus"] == "kaableid pole"
    )
    ruhnu = {
        (r["Meede"], r["Sihtobjekt"]): r for r in _plan(d / "municipalities" / "0689-ruhnu-vald-rakendusplaan.xlsx")
    }
    m3 = ruhnu[("CON.8.M3", "Kogu organisatsioon")]
    assert (m3["Vastutaja"], m3["Tähtaeg"], m3["Staatus"]) == ("Arendusjuht", datetime(2026, 11, 30), "O")
    risk = ruhnu[("CON.6.M4", "Kogu organisatsioon")]
    assert (risk["Staatus"], risk["Kinnitaja"], risk["Otsuse viide"]) == ("A", "Vallavanem", "Korraldus nr 7")


# --- OSCAL --------------------------------------------------------------------------------------


def _ssp_states(path: Path) -> tuple[Any, dict[str, tuple[str, dict[str, str]]]]:
    ssp = SystemSecurityPlan.oscal_read(path)
    assert ssp is not None
    titles = {str(c.uuid): c.title for c in ssp.system_implementation.components}
    out = {}
    for req in ssp.control_implementation.implemented_requirements:
        props = {p.name: p.value for p in req.props or []}
        per = {titles[str(b.component_uuid)]: _state(b.implementation_status.state) for b in req.by_components or []}
        assert req.control_id == props["label"]
        out[props["label"]] = (props["eits-status"], per)
    return ssp, out


def _state(value: Any) -> str:
    return str(getattr(value, "value", value))


def test_oscal_ssp_loads_and_states_match_the_statuses(session: Session, seeded: Seeded, written: Written) -> None:
    oracle = Oracle(session, seeded.ids)
    end = quarter_end("2026Q3")
    files = sorted((written.directory / "oscal").glob("*.json"))
    assert [f.name for f in files] == [
        "0303-kihnu-vald.json",
        "0478-muhu-vald.json",
        "0689-ruhnu-vald.json",
        "0907-vormsi-vald.json",
    ]
    ehak_id = {oracle.muni[i].ehak_code: i for i in oracle.ids}
    for path in files:
        ssp, got = _ssp_states(path)
        mid = ehak_id[path.name[:4]]
        assert ssp.metadata.last_modified == end
        expected = {
            s.code: (s.status, {oracle.target_name[t]: OSCAL_STATE[st] for t, st in s.targets})
            for s in oracle.states(mid, end)
        }
        assert got == expected, path.name
    _ssp, kihnu = _ssp_states(files[0])
    assert kihnu["INF.10.M3"] == ("implemented", {"Serveriruum A": "implemented", "Serveriruum B": "not-applicable"})
    assert kihnu["INF.10.M9"][1] == {"Serveriruum A": "implemented", "Serveriruum B": "planned"}
    _ssp, ruhnu = _ssp_states(files[2])
    assert ruhnu["CON.6.M4"] == ("risk_accepted", {"Kogu organisatsioon": "alternative"})
    assert ruhnu["ORP.5.M5"] == ("not_implemented", {"Kogu organisatsioon": "planned"})


def test_oscal_components_are_the_target_objects_of_the_quarter(
    session: Session, seeded: Seeded, tmp_path: Path
) -> None:
    """Room B was added in August: the 2026Q2 plan of Kihnu has no component for it."""
    out = write_quarterly(
        session, "2026Q2", tmp_path, formats=("oscal",), municipality_ids=[seeded.kihnu], generated_at=GENERATED
    )
    ssp, got = _ssp_states(out.directory / "oscal" / "0303-kihnu-vald.json")
    assert got["INF.10.M1"][1] == {"Serveriruum A": "implemented"}
    assert [c.title for c in ssp.system_implementation.components] == ["Kogu organisatsioon", "Serveriruum A"]


# --- golden Markdown ------------------------------------------------------------------------------


GOLDEN_FILES = ("index.md", "municipalities/0303-kihnu-vald.md", "municipalities/0689-ruhnu-vald.md")


@pytest.mark.parametrize("lang", ["et", "en"])
def test_markdown_equals_the_golden_files(session: Session, seeded: Seeded, tmp_path: Path, lang: str) -> None:
    out = write_quarterly(
        session,
        "2026Q3",
        tmp_path,
        formats=("md", "xlsx"),
        lang=lang,
        municipality_ids=seeded.ids,
        generated_at=GENERATED,
    )
    update = os.environ.get("EITS_UPDATE_GOLDEN") == "1"
    for name in GOLDEN_FILES:
        text = (
            (out.directory / name)
            .read_text(encoding="utf-8")
            .replace(f"eits-tracker {__version__}", "eits-tracker VERSION")
        )
        golden = GOLDEN / lang / name
        if update:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8", newline="\n")
        assert golden.is_file(), f"{golden} is missing: run with EITS_UPDATE_GOLDEN=1 and read it"
        assert text == golden.read_text(encoding="utf-8"), f"{name} ({lang}) differs from {golden}"
