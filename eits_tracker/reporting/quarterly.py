"""``report quarterly``: collect a quarter's data once and write each requested format to DIR/<quarter>/.

The files are written into a fresh directory beside the target and moved into place at the end, so
a failed run (a broken user template, a full disk) leaves the previous report of that quarter as it
was, and a reader never sees half a report. Everything but the generated-at line of ``index.md`` is
a function of the database's history up to the quarter's end: run again next year, same files.
"""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from eits_tracker import __version__
from eits_tracker.errors import ValidationError
from eits_tracker.markup import markdown_to_html
from eits_tracker.reporting import charts
from eits_tracker.reporting.collect import build_report
from eits_tracker.reporting.model import LAYERS, MunicipalityReport, QuarterReport
from eits_tracker.reporting.oscal import targets_of
from eits_tracker.reporting.perpage import write_pages, writer
from eits_tracker.reporting.render import check_language, check_templates, environment, render
from eits_tracker.reporting.summary import summary
from eits_tracker.tracking import maturity as mat

FORMATS = ("md", "html", "xlsx", "oscal")
Progress = Callable[[str, float], None]


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """ "md,html" → ("md", "html"); "all" → every format; unknown names are a clear error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = [item.strip().lower() for item in items if item.strip()]
    if "all" in wanted:
        return FORMATS
    unknown = [w for w in wanted if w not in FORMATS]
    if unknown or not wanted:
        raise ValidationError(
            f"format: {', '.join(unknown) or '(none)'} unknown; use a comma-separated list of {', '.join(FORMATS)} "
            "or all.",
            field="format",
        )
    return tuple(f for f in FORMATS if f in wanted)


@dataclass
class Written:
    directory: Path
    report: QuarterReport
    files: list[Path] = field(default_factory=list)


def summary_json(data: dict[str, Any]) -> str:
    """One line per top-level key and per municipality: readable, diffable, and written by json's C
    encoder (``indent`` would switch to the pure-Python one, 0.3 s for the demo's 2.7 MB)."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join(f"  {dump(item)}" for item in value)
            lines.append(f" {dump(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def layer_value(m: MunicipalityReport, code: str) -> float | None:
    return next((f.fulfilment for f in m.layers if f.code == code), None)


def _delta(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def write_quarterly(
    session: Session,
    quarter: str,
    out: Path,
    *,
    formats: Iterable[str] = ("md",),
    lang: str = "et",
    templates: Path | None = None,
    municipality_ids: Iterable[int] | None = None,
    thresholds: mat.Thresholds = mat.DEFAULT_THRESHOLDS,
    generated_at: datetime | None = None,
    progress: Progress | None = None,
) -> Written:
    """Write the quarter's report to ``out/<quarter>/``; see the module docstring."""
    # A report holds hundreds of thousands of small objects that live until it is written: with the
    # collector on, each full collection walks all of them again, and at 1,000 organisations that
    # made the run grow faster than the data. Nothing here builds reference cycles worth collecting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_quarterly(session, quarter, out, formats=formats, lang=lang, templates=templates,
                                municipality_ids=municipality_ids, thresholds=thresholds,
                                generated_at=generated_at, progress=progress)  # fmt: skip
    finally:
        if collecting:
            gc.enable()


def _write_quarterly(
    session: Session,
    quarter: str,
    out: Path,
    *,
    formats: Iterable[str],
    lang: str,
    templates: Path | None,
    municipality_ids: Iterable[int] | None,
    thresholds: mat.Thresholds,
    generated_at: datetime | None,
    progress: Progress | None,
) -> Written:
    step = progress or (lambda _what, _share: None)
    wanted = parse_formats(list(formats))
    check_language(lang)
    check_templates(templates)
    env = environment(lang, templates)
    report = build_report(
        session,
        quarter,
        municipality_ids=municipality_ids,
        thresholds=thresholds,
        plan="xlsx" in wanted or "oscal" in wanted,
        generated_at=generated_at,
        progress=lambda what, share: step(what, share * 0.5),
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{report.quarter}-", dir=out))
    except OSError as exc:
        problem = exc.strerror or exc
        raise ValidationError(f"out: cannot write to {out}: {problem}; choose another folder.", field="out") from None
    final = out / report.quarter
    try:
        files = _write_all(session, report, staging, wanted, env, lang, templates, step)  # relative paths
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{report.quarter}-old-", dir=out))
            final.rename(old / "previous")
            staging.rename(final)
            shutil.rmtree(old)
        else:
            staging.rename(final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ValidationError(f"out: writing {out} failed: {exc}; nothing was replaced.", field="out") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    step("done", 1.0)
    return Written(final, report, [final / f for f in files])


def _write_all(
    session: Session,
    report: QuarterReport,
    root: Path,
    formats: tuple[str, ...],
    env: Any,
    lang: str,
    templates: Path | None,
    step: Progress,
) -> list[str]:
    t = env.globals["t"]
    written: list[str] = []
    put = writer(root, written)

    chart_files = _charts(report, t)
    context = {
        "r": report,
        "version": __version__,
        "formats": formats,
        "layers": LAYERS,
        "layer_value": layer_value,
        "delta": _delta,
        "by_id": {m.id: m for m in report.municipalities},
    }
    index = render(env, "quarterly/index.md.j2", **context)
    pages = {m.slug: render(env, "quarterly/municipality.md.j2", m=m, **context) for m in report.municipalities}
    step("markdown", 0.6)
    put("summary.json", summary_json(summary(report)))
    if "md" in formats:
        put("index.md", index)
        for slug, text in pages.items():
            put(f"municipalities/{slug}.md", text)
        for name, svg in chart_files.items():
            put(f"charts/{name}", svg)
    if "html" in formats:
        _site(env, report, index, chart_files, put)
    if "xlsx" in formats:
        from eits_tracker.reporting.workbook import status_matrix

        put(f"eits-{report.quarter}.xlsx", status_matrix(report, lang))
    detailed = [m.id for m in report.municipalities if m.detailed]
    targets = targets_of(session, detailed, report.end) if "oscal" in formats and detailed else {}
    step("html, xlsx, oscal", 0.65)
    written += write_pages(
        report,
        pages,
        targets,
        root,
        formats,
        lang,
        templates,
        progress=lambda share: step("pages", 0.65 + 0.35 * share),
    )
    return written


def _charts(report: QuarterReport, t: Any) -> dict[str, str]:
    from eits_tracker.reporting.render import LEVEL_NAMES

    names = LEVEL_NAMES[t.lang]
    out = {
        "levels.svg": charts.levels_chart(
            t("distribution"), names, report.distribution, report.previous_distribution,
            (report.previous_quarter, report.quarter),
        ),
        "heatmap.svg": charts.heatmap(
            t("heatmap"),
            LAYERS,
            [(m.name, [layer_value(m, code) for code in LAYERS]) for m in report.municipalities],
        ),
    }  # fmt: skip
    quarters = [q for q, _ in report.municipalities[0].trend] if report.municipalities else report.quarters
    for m in report.municipalities:
        points = [p for _q, p in m.trend]
        out[f"trend-{m.slug}.svg"] = charts.trend_chart(
            f"{m.name}: {t('trend')}",
            quarters,
            [
                (t("legend_basic"), [p.fulfilment.get("basic") if p else None for p in points]),
                (t("legend_standard"), [p.fulfilment.get("standard") if p else None for p in points]),
            ],
            [p.level if p else None for p in points],
            t("level"),
        )
    return out


def _site(
    env: Any, report: QuarterReport, index: str, chart_files: dict[str, str], put: Callable[[str, str], None]
) -> None:
    """html/: the index rendered and sanitised in the page frame, with its own copy of charts and style
    (the municipality pages come from ``perpage``)."""
    t = env.globals["t"]
    style = env.loader.get_source(env, "quarterly/style.css")[0]
    put("html/style.css", style)
    for name, svg in chart_files.items():
        put(f"html/charts/{name}", svg)
    body = markdown_to_html(index, md_links_to_html=True)
    title = t("report_title", quarter=report.quarter)
    put("html/index.html", render(env, "quarterly/page.html.j2", title=title, body=body, root=""))
