"""The per-municipality files of a report (HTML page, implementation plan, OSCAL), in worker processes.

These three are four fifths of an all-formats run (measured on the demo: HTML 2.5 s, workbooks 3.4 s,
OSCAL 1.3 s of CPU against 1.4 s for collecting and the Markdown) and each municipality's files depend
on nothing but its own data, so they are written by a small process pool, one chunk of municipalities
per task. The workers are started with ``forkserver`` (safe from the app's threads) and import only
this module's light dependencies; the files they write are byte-for-byte what the inline path writes
(``workers=1``, also used for small reports, where starting processes costs more than it saves).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from eits_tracker.reporting.model import MunicipalityReport, QuarterReport

#: below this many municipalities the inline path is quicker than starting workers
PARALLEL_FROM = 12
MAX_WORKERS = 4


@dataclass(frozen=True)
class Task:
    root: str
    formats: tuple[str, ...]
    lang: str
    templates: str | None
    header: QuarterReport  # without the municipality lists: sent once per chunk, kept small
    items: tuple[tuple[MunicipalityReport, str, list[tuple[int, str, str, str]]], ...]  # (m, page markdown, targets)


def header_of(report: QuarterReport) -> QuarterReport:
    return replace(report, municipalities=[], ranking=[], movers_up=[], movers_down=[], mentoring=None)


@cache
def _env(lang: str, templates: str | None) -> Any:
    from eits_tracker.reporting.render import environment

    return environment(lang, Path(templates) if templates else None)


def writer(root: Path, written: list[str]) -> Callable[[str, str | bytes], None]:
    """``put(relative, data)``: write text (UTF-8, LF) or bytes under ``root``, noting the relative path."""

    def put(relative: str, data: str | bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", newline="\n")
        written.append(relative)

    return put


def run(task: Task) -> list[str]:
    """Write one chunk's files under ``task.root``; returns their paths relative to it."""
    from eits_tracker.markup import markdown_to_html
    from eits_tracker.reporting.render import render

    written: list[str] = []
    put = writer(Path(task.root), written)

    env = _env(task.lang, task.templates) if "html" in task.formats else None
    for m, page, targets in task.items:
        if "html" in task.formats:
            body = markdown_to_html(page, md_links_to_html=True)
            # The plan workbook lies beside the Markdown page, two levels up from the HTML one.
            plan = f'href="{m.slug}-rakendusplaan.xlsx"'
            body = body.replace(plan, f'href="../../municipalities/{m.slug}-rakendusplaan.xlsx"')
            title = f"{m.name} — {task.header.quarter}"
            html = render(env, "quarterly/page.html.j2", title=title, body=body, root="../")
            put(f"html/municipalities/{m.slug}.html", html)
        if not m.detailed:
            continue
        if "xlsx" in task.formats:
            from eits_tracker.reporting.workbook import implementation_plan

            put(f"municipalities/{m.slug}-rakendusplaan.xlsx", implementation_plan(task.header, m, task.lang))
        if "oscal" in task.formats:
            from eits_tracker.reporting.oscal import ssp_json

            put(f"oscal/{m.slug}.json", ssp_json(task.header, m, targets))
    return written


def workers_for(count: int) -> int:
    if count < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def write_pages(
    report: QuarterReport,
    pages: dict[str, str],
    targets: dict[int, list[tuple[int, str, str, str]]],
    root: Path,
    formats: tuple[str, ...],
    lang: str,
    templates: Path | None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[str]:
    """Every municipality's HTML page, plan and OSCAL document that ``formats`` asks for.

    ``progress`` gets the share of municipalities done (0..1) as chunks finish.
    """
    wanted = tuple(f for f in formats if f in ("html", "xlsx", "oscal"))
    if not wanted:
        return []
    moved = progress or (lambda _share: None)
    header = header_of(report)
    items = [(m, pages[m.slug], targets.get(m.id, [])) for m in report.municipalities]
    n = workers if workers is not None else workers_for(len(items))
    folder = str(templates) if templates else None

    def task(chunk: list[Any]) -> Task:
        return Task(str(root), wanted, lang, folder, header, tuple(chunk))

    def inline(chunks: list[list[Any]]) -> list[str]:
        done, out = 0, []
        for chunk in chunks:
            out.extend(run(task(chunk)))
            done += len(chunk)
            moved(done / len(items))
        return out

    if n <= 1:
        return inline([[item] for item in items])
    # Chunks of similar weight (plan rows, page length), several per worker so none waits on a slow one.
    chunks: list[list[Any]] = [[] for _ in range(n * 3)]
    weights = [0] * len(chunks)
    for item in sorted(items, key=lambda it: -len(it[0].plan) - len(it[1]) // 100):
        k = weights.index(min(weights))
        chunks[k].append(item)
        weights[k] += len(item[0].plan) + len(item[1]) // 100 + 1
    chunks = [chunk for chunk in chunks if chunk]
    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("forkserver")) as pool:
            futures = {pool.submit(run, task(chunk)): len(chunk) for chunk in chunks}
            done, out = 0, []
            for future in as_completed(futures):
                out.extend(future.result())
                done += futures[future]
                moved(done / len(items))
            return sorted(out)
    except (BrokenProcessPool, OSError, ValueError):
        # No worker could start here (inside some terminal apps the server cannot inherit the file
        # descriptors; a main program that is not a file cannot be re-imported): same files, one process.
        return inline(chunks)
