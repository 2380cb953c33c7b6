"""Wiki export benchmark: 500 pages in a temporary SQLite database, exported as Markdown and with HTML.

Each scenario runs several times into a fresh directory; the median is reported next to a lean
baseline done in the same run: raw ``sqlite3`` reading the 500 pages and plain Python writing 500
files with a front matter — the least any export must do. The command-line figure includes
starting the interpreter (what a user waits for); the in-process figures are the export itself.

    python benchmarks/bench_wiki.py [--pages 500] [--repeat 5] [--out benchmarks/results/latest-wiki.json]

Nothing outside the temporary directory is touched: every directory setting points into it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest-wiki.json"
TARGET_SECONDS = 2.0
WORDS = [
    "varundus",
    "kord",
    "vald",
    "server",
    "tööjaam",
    "parool",
    "koolitus",
    "intsident",
    "logi",
    "tulemüür",
    "leping",
    "pilv",
    "andmed",
    "kaitse",
    "vastutus",
    "eeskiri",
    "test",
    "taastamine",
    "juhend",
    "kontroll",
    "audit",
    "riskid",
    "meetmed",
    "haldus",
    "kasutaja",
    "õigused",
]


def summary(samples: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": samples}


def fill(url: str, pages: int) -> float:
    """``pages`` pages of about 1.5 KB with [[links]] to real measures and to each other; returns seconds."""
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.wiki.pages import PageInput, catalogue, create_page

    db = open_database(load_settings(database_url=url, user="bench"))
    rng = random.Random(500)
    started = time.perf_counter()
    with db.session() as s:
        cat = catalogue(s)
        codes = sorted(cat.measures)
        t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
        for i in range(pages):
            measures = rng.sample(codes, 3)
            paragraphs = []
            for _ in range(6):
                words = " ".join(rng.choice(WORDS) for _ in range(30))
                paragraphs.append(f"{words.capitalize()} ([[{rng.choice(measures)}]]).")
            paragraphs.insert(2, f"Vt ka [[lehekulg-{rng.randrange(pages):04d}]].")
            create_page(
                s,
                PageInput(
                    f"Hea tava {i:04d}: {rng.choice(WORDS)} ja {rng.choice(WORDS)}",
                    "## Kokkuvõte\n\n" + "\n\n".join(paragraphs),
                    rng.sample(WORDS[:10], 2),
                    [cat.measures[measures[0]][0]],
                    measures,
                    f"lehekulg-{i:04d}",
                ),
                actor="bench",
                now=t0 + timedelta(hours=i),
                cat=cat,
            )
        s.commit()
    db.engine.dispose()
    return time.perf_counter() - started


def export_in_process(url: str, out: Path, html: bool) -> None:
    from eits_tracker.config import load_settings
    from eits_tracker.db.setup import open_database
    from eits_tracker.wiki.export import export_wiki

    db = open_database(load_settings(database_url=url), prepare=False)
    with db.session() as s:
        result = export_wiki(s, out, html=html, lang="et")
    db.engine.dispose()
    assert result.pages > 0


def export_cli(url: str, out: Path, html: bool, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "eits_tracker", "--database-url", url, "wiki", "export", str(out), "--lang", "et"]
    done = subprocess.run(cmd + (["--html"] if html else []), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)


def lean(path: Path, out: Path) -> None:
    """The least an export does: read the pages with sqlite3, write one file each with a front matter."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT slug, title, tags, modules, measures, author, updated_at, body FROM wiki_page")
    (out / "pages").mkdir(parents=True)
    for slug, title, tags, modules, measures, author, updated, body in rows:
        text = (
            f"---\ntitle: {title}\ntags: {tags}\nmodules: {modules}\nmeasures: {measures}\nauthor: {author}\n"
            f"updated: {updated}\n---\n\n{body}\n"
        )
        (out / "pages" / f"{slug}.md").write_text(text, encoding="utf-8")
    conn.close()


def measure(repeat: int, fn: Callable[[Path], None], work: Path, name: str) -> dict[str, Any]:
    samples = []
    for i in range(repeat):
        out = work / f"{name}-{i}"
        t = time.perf_counter()
        fn(out)
        samples.append(time.perf_counter() - t)
    return summary(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eits-bench-wiki-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "EITS_CONFIG_DIR": str(work / "config"), "EITS_DATA_DIR": str(work / "data")}
        os.environ.update({k: env[k] for k in ("EITS_CONFIG_DIR", "EITS_DATA_DIR")})
        db_path = work / "wiki.sqlite3"
        url = f"sqlite:///{db_path}"
        fill_seconds = fill(url, args.pages)
        export_in_process(url, work / "warm", False)  # imports and page cache warm, as in a user's second run
        results = {
            "export_md": measure(args.repeat, lambda o: export_in_process(url, o, False), work, "md"),
            "export_html": measure(args.repeat, lambda o: export_in_process(url, o, True), work, "html"),
            "cli_md": measure(args.repeat, lambda o: export_cli(url, o, False, env), work, "cli-md"),
            "cli_html": measure(args.repeat, lambda o: export_cli(url, o, True, env), work, "cli-html"),
            "lean": measure(args.repeat, lambda o: lean(db_path, o), work, "lean"),
        }
        files_md = sum(1 for p in (work / "md-0").rglob("*") if p.is_file())
        files_html = sum(1 for p in (work / "html-0").rglob("*") if p.is_file())
    lean_median = results["lean"]["median"]
    rows = [
        ("`wiki export` (in process), Markdown", "export_md", files_md),
        ("`wiki export --html` (in process)", "export_html", files_html),
        ("`eits-tracker wiki export` command, Markdown", "cli_md", files_md),
        ("`eits-tracker wiki export --html` command", "cli_html", files_html),
        ("lean: raw sqlite3 + 500 plain writes", "lean", args.pages),
    ]
    print(f"\n{args.pages} pages (filled in {fill_seconds:.2f} s), median of {args.repeat} runs\n")
    print("| scenario | files | median | min–max | × lean | target |")
    print("|---|---:|---:|---:|---:|---|")
    for label, key, files in rows:
        r = results[key]
        ok = "" if key == "lean" else ("< 2 s ✔" if r["median"] < TARGET_SECONDS else "< 2 s ✘")
        print(
            f"| {label} | {files} | {r['median']:.3f} s | {r['min']:.3f}–{r['max']:.3f} s "
            f"| {r['median'] / lean_median:.1f}× | {ok} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "measured_at": date.today().isoformat(),
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                "pages": args.pages,
                "fill_seconds": fill_seconds,
                "files": {"markdown": files_md, "html": files_html},
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
