"""The report's workbooks: the association's status matrix and each municipality's implementation plan.

``eits-<quarter>.xlsx`` has a summary sheet (every number of ``summary.json`` a person compares) and
the status matrix: municipalities × measures with the plan letters R/O/E/P/A ("–" not assessed, empty
not in scope). ``<ehak>-<name>-rakendusplaan.xlsx`` is the document an E-ITS audit asks for: every
in-scope measure per target object with its letter, how it is implemented, what remains, owner, due
date, priority, cost, next review and the risk-acceptance record — as they were at the quarter's end.

Only municipalities whose details the reader may see are in the matrix. The workbook's own dates are
the quarter's end, so the files do not change between runs.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import xlsxwriter

from eits_tracker.reporting.model import MunicipalityReport, QuarterReport, code_key
from eits_tracker.reporting.render import Labels, make_filters
from eits_tracker.tracking import vocab

LETTER_COLOURS = {"R": "#c6efce", "O": "#ffeb9c", "E": "#ffc7ce", "P": "#d9d9d9", "A": "#bdd7ee", "–": "#f2f2f2"}

_PLAN_HEAD = {
    "et": (
        "Moodul", "Meede", "Pealkiri", "Tase", "Sihtobjekt", "Staatus", "Staatus (tekst)", "Kuidas rakendatud",
        "Mis on veel teha", "Vastutaja", "Tähtaeg", "Prioriteet", "KOV profiil", "Hinnanguline maksumus (€)",
        "Järgmine ülevaatus", "Riski aktsepteerimise / mittekohaldamise põhjendus", "Kinnitaja", "Kinnitamise kuupäev",
        "Otsuse viide", "Otsuse ülevaatus", "Märkus",
    ),
    "en": (
        "Module", "Measure", "Title", "Level", "Target object", "Status", "Status (text)", "How implemented",
        "What remains", "Owner", "Due date", "Priority", "KOV profile", "Estimated cost (€)", "Next review",
        "Risk acceptance / not applicable justification", "Approved by", "Approval date", "Decision reference",
        "Decision review", "Note",
    ),
}  # fmt: skip
_WIDTHS = (9, 13, 48, 11, 22, 7, 18, 40, 32, 20, 11, 9, 9, 12, 11, 40, 18, 11, 16, 11, 30)


def _book(stream: io.BytesIO, report: QuarterReport, title: str) -> Any:
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    created = report.end.replace(tzinfo=None)
    book.set_properties({"title": title, "author": "eits-tracker", "created": created, "comments": "E-ITS © RIA"})
    return book


def _date_format(book: Any) -> Any:
    return book.add_format({"num_format": "yyyy-mm-dd"})


def status_matrix(report: QuarterReport, lang: str) -> bytes:
    """Summary sheet + status matrix of every municipality the reader may see in detail."""
    t = Labels(lang, None)
    f = make_filters(lang)
    stream = io.BytesIO()
    book = _book(stream, report, t("report_title", quarter=report.quarter))
    bold = book.add_format({"bold": True, "bg_color": "#eef1f5", "border": 1, "text_wrap": True, "valign": "top"})
    pct = book.add_format({"num_format": "0.0%"})

    sheet = book.add_worksheet(t("summary")[:31])
    head = [
        "EHAK", t("municipality"), t("county"), t("approach"), "E-ITS", t("rank"), t("level"),
        f"{t('level')} {report.previous_quarter}", f"{t('basic')} %", f"{t('standard')} %", f"{t('high')} %",
        f"{t('coverage')} %", f"{t('basic_change')} (pp)", *(f["status"](s) for s in vocab.STATUSES),
    ]  # fmt: skip
    sheet.write_row(0, 0, head, bold)
    for i, m in enumerate(report.municipalities, 1):
        fl = m.maturity.fulfilment
        basic_delta = m.delta("basic")
        sheet.write_row(i, 0, [m.ehak_code, m.name, m.county, t("approach_" + m.approach), m.edition, m.rank])
        sheet.write_number(i, 6, m.maturity.level)
        if m.previous is not None:
            sheet.write_number(i, 7, m.previous.level)
        for col, value in (
            (8, fl.get("basic")),
            (9, fl.get("standard")),
            (10, fl.get("high")),
            (11, m.maturity.coverage),
        ):
            if value is not None:
                sheet.write_number(i, col, value, pct)
        if basic_delta is not None:
            sheet.write_number(i, 12, round(basic_delta * 100, 1))
        sheet.write_row(i, 13, [m.maturity.counts[s] for s in vocab.STATUSES])
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, len(report.municipalities), len(head) - 1)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 2, 22)
    sheet.set_column(3, len(head) - 1, 11)

    shown = [m for m in report.municipalities if m.detailed]
    codes = _codes(shown)
    matrix = book.add_worksheet("Staatused" if lang == "et" else "Status matrix")
    matrix.write_row(0, 0, ["EHAK", t("municipality")], bold)
    matrix.write_row(0, 2, codes, book.add_format({"bold": True, "rotation": 90, "border": 1}))
    colours = {k: book.add_format({"bg_color": c, "align": "center"}) for k, c in LETTER_COLOURS.items()}
    for i, m in enumerate(shown, 1):
        matrix.write_row(i, 0, [m.ehak_code, m.name])
        statuses = m.statuses
        for j, code in enumerate(codes, 2):
            status = statuses.get(code)
            if status is not None:
                letter = vocab.LETTERS.get(status) or "–"
                matrix.write_string(i, j, letter, colours[letter])
    matrix.freeze_panes(1, 2)
    matrix.set_column(0, 0, 6)
    matrix.set_column(1, 1, 24)
    matrix.set_column(2, len(codes) + 1, 3)
    legend = ", ".join(f"{vocab.LETTERS[s] or '–'} = {f['status'](s)}" for s in vocab.STATUSES)
    matrix.write_string(len(shown) + 2, 1, legend)
    book.close()
    return stream.getvalue()


def _codes(municipalities: list[MunicipalityReport]) -> list[str]:
    """Every measure in scope somewhere, in catalogue order (module order of first appearance, then measure)."""
    seen: dict[str, None] = {}
    for m in municipalities:
        for code in m.statuses:
            seen.setdefault(code, None)
    return sorted(seen, key=code_key)


def implementation_plan(report: QuarterReport, m: MunicipalityReport, lang: str) -> bytes:
    """The municipality's rakendusplaan as of the quarter's end: one row per measure and target object."""
    t = Labels(lang, None)
    f = make_filters(lang)
    stream = io.BytesIO()
    book = _book(stream, report, f"{m.name}: {t('plan_title')} {report.quarter}")
    bold = book.add_format({"bold": True, "bg_color": "#eef1f5", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    day = _date_format(book)
    money = book.add_format({"num_format": "#,##0.00"})
    colours = {k: book.add_format({"bg_color": c, "align": "center"}) for k, c in LETTER_COLOURS.items()}
    sheet = book.add_worksheet("Rakendusplaan" if lang == "et" else "Implementation plan")
    sheet.write_string(0, 0, f"{m.name} (EHAK {m.ehak_code}) — {t('rakendusplaan')}", book.add_format({"bold": True}))
    end = f["day"](report.end.replace(microsecond=0)) if isinstance(report.end, datetime) else ""
    sheet.write_string(
        1, 0, f"{report.quarter} · {t('approach')}: {t('approach_' + m.approach)} · E-ITS {m.edition} · {end}"
    )
    head = _PLAN_HEAD[lang]
    sheet.write_row(3, 0, head, bold)
    levels = vocab.LEVEL_LABELS[lang]
    for i, r in enumerate(m.plan, 4):
        letter = vocab.LETTERS.get(r.status) or "–"
        sheet.write_row(i, 0, [r.module_code, r.code, r.title, levels.get(r.level, r.level), r.target])
        sheet.write_string(i, 5, letter, colours[letter])
        sheet.write_string(i, 6, f["status"](r.status))
        for col, text in ((7, r.implementation), (8, r.remaining), (9, r.owner)):
            if text:
                sheet.write_string(i, col, text, wrap)
        if r.due_date is not None:
            sheet.write_datetime(i, 10, datetime.combine(r.due_date, datetime.min.time()), day)
        if r.priority:
            sheet.write_string(i, 11, r.priority)
        if r.profile_priority:
            sheet.write_string(i, 12, r.profile_priority)
        if r.cost_eur is not None:
            sheet.write_number(i, 13, r.cost_eur, money)
        for col, value in ((14, r.next_review), (17, r.approval_date), (19, r.review_date)):
            if value is not None:
                sheet.write_datetime(i, col, datetime.combine(value, datetime.min.time()), day)
        for col, text in ((15, r.justification), (16, r.approved_by), (18, r.decision_ref), (20, r.note)):
            if text:
                sheet.write_string(i, col, text, wrap)
    last = 3 + len(m.plan)
    sheet.freeze_panes(4, 2)
    sheet.autofilter(3, 0, last, len(head) - 1)
    for col, width in enumerate(_WIDTHS):
        sheet.set_column(col, col, width)
    book.close()
    return stream.getvalue()
