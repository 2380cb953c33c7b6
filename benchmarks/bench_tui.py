"""Terminal-app benchmarks, measured in tmux the way a user sees them: keys in, screen text out.

1. Start-up: from Enter on the shell command line until the dashboard shows its first row,
   against ``benchmarks/bare_app.py`` (the same libraries, one Label) until "ready".
2. One status key: ``r`` / ``e`` alternately on the first measure until the new label shows.
3. Opening the municipality with the most applicable measures: Enter on the dashboard until the
   workspace title and the first measure rows show.
4. Search: each keystroke of "tööjaam" and "ORP.4.M" until the result count or list changes.
5. Peak RSS of the app (VmHWM) after start-up and at the end of a working session.

    .venv/bin/python benchmarks/bench_tui.py [--reps N] [--quick] [--out PATH]

Everything runs on a copy of a demo database (``eits-tracker demo``) in a temporary directory, in
a private tmux server (``tmux -L <unique>``) that is killed at the end, with the config and data
directories inside the temporary directory: your real database and settings are never touched.
Keys are sent and the screen read through one tmux control-mode client (``tmux -C``), so a read
costs about 0.1 ms instead of the ~3 ms of a ``tmux capture-pane`` process; both round trips are
measured and reported. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_data_core import DEMO_END, copy_db, isolated_env, machine, sqlite_url, summary, venv_bin

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest-tui.json"
BARE_APP = ROOT / "benchmarks" / "bare_app.py"
WIDTH, HEIGHT = 120, 40
QUERIES = ("tööjaam", "ORP.4.M")
#: Pause after each status change before the next key: a user reads the screen; the app's follow-up
#: work (measure detail, module progress, title) may finish meanwhile, as it would for them.
KEY_PAUSE = 0.2
TARGETS = {"start": 1.0, "start_ratio": 1.5, "status_key": 0.030, "open": 0.200, "search_key": 0.050}

FIRST_ROW = re.compile(r"^ Alutaguse v[a-z]*\s+Ida-V", re.MULTILINE)
MEASURE_ROW = re.compile(r"(?<![\w.])([A-Z]{2,5}(?:\.\d+)+\.M\d+)(?: ⚑)?\s{2,}(\S+(?: \S+)*)")
SEARCH_COUNT = re.compile(r"\d+ results?\b|Nothing found\.|Type to search")
READY = re.compile(r"^\s*ready\s*$", re.MULTILINE)


class BenchError(RuntimeError):
    pass


# --- tmux -------------------------------------------------------------------------------------


def _quote(arg: str) -> str:
    """One tmux command argument: single-quoted, so nothing in it is expanded or splits the command."""
    if "'" in arg or "\n" in arg:
        raise ValueError(f"cannot pass {arg!r} through tmux control mode")
    return f"'{arg}'"


class Tmux:
    """A private tmux server with one pane running ``sh``, driven through a control-mode client."""

    def __init__(self, env: dict[str, str], width: int = WIDTH, height: int = HEIGHT) -> None:
        self.socket = f"eits-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.width, self.height = width, height
        self.target = "bench"
        self.client: subprocess.Popen[bytes] | None = None
        self.server_pid = self.socket_path = ""
        self._runs = 0

    def run(self, *args: str) -> str:
        """One tmux command as its own process (the way a script would; used for the round-trip figure)."""
        proc = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, timeout=10)
        if proc.returncode:
            raise BenchError(f"tmux {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout.decode("utf-8", errors="replace")

    def start(self) -> None:
        pass_env = [
            a for k in ("TERM", "LANG", "EITS_CONFIG_DIR", "EITS_DATA_DIR", "PS1") for a in ("-e", f"{k}={self.env[k]}")
        ]
        size = ("-x", str(self.width), "-y", str(self.height))
        self.run("-f", "/dev/null", "new-session", "-d", "-s", self.target, *size, *pass_env, "sh")
        # no-output: the client gets no copy of what the app draws; ignore-size: it does not resize the pane.
        self.client = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-f", "no-output,ignore-size", "-t", self.target],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.server_pid, self.socket_path = self.command("display-message", "-p", "#{pid} #{socket_path}").split()
        size = self.command("display-message", "-p", "-t", self.target, "#{pane_width}x#{pane_height}").strip()
        if size != f"{self.width}x{self.height}":
            raise BenchError(f"the tmux pane is {size}, not {self.width}x{self.height}")

    def close(self) -> None:
        if self.client is not None:
            try:
                assert self.client.stdin is not None
                self.client.stdin.close()
            except OSError:
                pass
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, check=False)
        if self.client is not None:
            try:
                self.client.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.client.kill()
                self.client.wait()
        if self.server_pid:
            _end_process(int(self.server_pid), self.socket)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)  # tmux 3.3 leaves the socket file behind

    def _read_block(self) -> str:
        """The output of the next command this client sent (``%begin … %end`` with flag 1)."""
        assert self.client is not None and self.client.stdout is not None
        out = self.client.stdout
        while True:
            line = out.readline()
            if not line:
                raise BenchError("the tmux control client ended")
            if not line.startswith(b"%begin"):
                continue  # notifications (%session-changed, %window-renamed …) come between blocks
            ours = line.split()[3:4] == [b"1"]  # flag 0: not a command of ours (the attach itself)
            lines: list[bytes] = []
            while True:
                line = out.readline()
                if not line:
                    raise BenchError("the tmux control client ended")
                if line.startswith((b"%end", b"%error")):
                    break
                lines.append(line)
            if not ours:
                continue
            text = b"".join(lines).decode("utf-8", errors="replace")
            if line.startswith(b"%error"):
                raise BenchError(f"tmux: {text.strip()}")
            return text

    def command(self, *args: str) -> str:
        assert self.client is not None and self.client.stdin is not None
        self.client.stdin.write((" ".join(_quote(a) for a in args) + "\n").encode())
        return self._read_block()

    def press(self, *keys: str) -> None:
        self.command("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        self.command("send-keys", "-t", self.target, "-l", text)

    def screen(self, *, styled: bool = False) -> str:
        return self.command("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.target)

    def wait(
        self,
        check: Callable[[str], object],
        *,
        t0: float | None = None,
        timeout: float = 10.0,
        poll: float = 0.001,
        what: str = "",
        styled: bool = False,
    ) -> tuple[float, str]:
        """Read the screen until ``check`` holds; (seconds since ``t0``, that screen)."""
        start = time.perf_counter() if t0 is None else t0
        while True:
            screen = self.screen(styled=styled)
            now = time.perf_counter()
            if check(screen):
                return now - start, screen
            if now - start > timeout:
                raise BenchError(f"after {timeout:.0f} s still waiting for {what or check}:\n{self.screen()}")
            if poll:
                time.sleep(poll)

    # --- running a program in the pane's shell ----------------------------------------------

    def clear(self) -> None:
        self.type("clear")
        self.press("Enter")
        self.wait(lambda s: len(s.strip()) <= 2, what="a clear shell (only the prompt)", poll=0.005)

    def prepare(self, argv: list[str]) -> int:
        """Type the command line (not Enter yet); its exit code will be echoed after it ends."""
        self.clear()
        self._runs += 1
        self.type(f"{shlex.join(argv)}; echo EITS-RUN-{self._runs}-EXIT:$?")
        self.wait(lambda s: f"EITS-RUN-{self._runs}-EXIT" in s.replace("\n", ""), what="the typed command line")
        return self._runs

    def wait_exit(self, run: int, timeout: float = 15.0) -> None:
        pattern = re.compile(rf"EITS-RUN-{run}-EXIT:(\d+)")
        _, screen = self.wait(pattern.search, timeout=timeout, poll=0.01, what="the program to end")
        match = pattern.search(screen)
        if match is None or match.group(1) != "0":
            raise BenchError(f"the program ended with {match.group(1) if match else '?'}:\n{screen}")

    def app_pid(self) -> int:
        """The process the pane's shell runs (the app): a child of the pane's shell."""
        shell = int(self.command("display-message", "-p", "-t", self.target, "#{pane_pid}").strip())
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == shell:
                return int(stat.parent.name)
        raise BenchError("no process runs in the tmux pane")


def _end_process(pid: int, marker: str, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, for a process we started, while its command line still holds ``marker``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if marker.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return  # gone, and the id perhaps reused
            os.kill(pid, sig)
        except (ProcessLookupError, FileNotFoundError):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for process {pid}")


# --- what the app shows ---------------------------------------------------------------------


def filter_border(tm: Tmux) -> str:
    """The dashboard filter bar's top border with colours: the name field's border shows its focus."""
    plain, styled = tm.screen().split("\n"), tm.screen(styled=True).split("\n")
    for i, line in enumerate(plain):
        if line.startswith("▊▔"):
            # the name field's colours only: its width changes when the selects appear on first use
            return "".join(re.findall(r"\x1b\[[0-9;]*m", str(styled[i]).split("▎", 1)[0]))
    raise BenchError("no filter bar on the dashboard:\n" + "\n".join(plain))


def cell_of(screen: str, code: str) -> str | None:
    """The status cell of measure ``code`` in the workspace table (its first row on the screen)."""
    for match in MEASURE_ROW.finditer(screen):
        if match.group(1) == code:
            return match.group(2)
    return None


def filter_dashboard(tm: Tmux, name: str) -> None:
    """`f`, the name, Enter: the dashboard shows only ``name`` and its table has the focus again.

    Each step waits until the screen shows the previous one done: keys typed before the focus moved
    would reach the widget that had it (Textual routes keys already read before it runs the action).
    """
    # the rows can be on the screen a frame before the lines above them
    tm.wait(lambda s: any(line.startswith("▊▔") for line in s.split("\n")), what="the filter bar", poll=0.005)
    blurred = filter_border(tm)
    tm.press("f")
    tm.wait(lambda _: filter_border(tm) != blurred, what="the name filter focused", poll=0.005)
    tm.type(name)
    row = re.compile(rf"^ {re.escape(name)}\s{{2,}}\S", re.MULTILINE)
    tm.wait(lambda s: row.search(s) and not FIRST_ROW.search(s), what=f"the dashboard filtered to {name}", poll=0.005)
    tm.press("Enter")
    tm.wait(lambda _: filter_border(tm) == blurred, what="the table focused again", poll=0.005)


# --- scenarios --------------------------------------------------------------------------------


def bench_start(tm: Tmux, db: Path, reps: int) -> dict[str, Any]:
    """Enter → filled dashboard (the app) and Enter → "ready" (bare app), alternating, after one warm-up each."""
    app = [venv_bin("eits-tracker"), "--database-url", sqlite_url(db), "--user", "bench", "--lang", "en"]
    bare = [venv_bin("python"), str(BARE_APP)]
    ready_checks: dict[str, Callable[[str], object]] = {"app": FIRST_ROW.search, "bare": READY.search}
    samples: dict[str, list[float]] = {"app": [], "bare": [], "app_first_paint": [], "bare_first_paint": []}
    rss: list[float] = []
    for i in range(reps + 1):
        for kind, argv in (("app", app), ("bare", bare)):
            run = tm.prepare(argv)
            t0 = time.perf_counter()
            tm.press("Enter")
            # First paint: Textual switched to the alternate screen, so the typed command line is gone.
            typed = f"EITS-RUN-{run}-"
            painted, _ = tm.wait(
                lambda s, typed=typed: typed not in s.replace("\n", ""),
                t0=t0,
                timeout=30,
                poll=0.002,
                what="first paint",
            )
            ready, _ = tm.wait(ready_checks[kind], t0=t0, timeout=30, poll=0.002, what=f"{kind} ready")
            if kind == "app":
                time.sleep(0.3)  # let the dashboard's follow-up work finish before reading the memory figure
                rss.append(peak_rss_mib(tm.app_pid()))
            tm.press("q")
            tm.wait_exit(run)
            if i:  # the first round warms the page cache and .pyc files
                samples[kind].append(ready)
                samples[f"{kind}_first_paint"].append(painted)
    out = {k: summary(v) for k, v in samples.items()}
    out["ratio"] = statistics.median(samples["app"]) / statistics.median(samples["bare"])
    out["peak_rss_after_start_mib"] = summary(rss[1:])
    return out


def round_trips(tm: Tmux, n: int = 200) -> dict[str, Any]:
    """What reading the screen costs: control-mode capture (used here) and a capture-pane process."""
    control, process, keys = [], [], []
    for _ in range(n):
        t = time.perf_counter()
        tm.screen()
        control.append(time.perf_counter() - t)
    for _ in range(max(10, n // 4)):
        t = time.perf_counter()
        tm.run("capture-pane", "-p", "-t", tm.target)
        process.append(time.perf_counter() - t)
    for _ in range(n):
        t = time.perf_counter()
        tm.command("send-keys", "-t", tm.target, "")  # an empty key list: the send-keys command alone
        keys.append(time.perf_counter() - t)
    return {
        "capture_control": summary(control),
        "capture_process": summary(process),
        "send_keys_control": summary(keys),
    }


def bench_open(tm: Tmux, name: str, ehak: str, reps: int) -> dict[str, Any]:
    """Enter on the (filtered) dashboard → workspace title and first measure rows; ends in the workspace."""
    filter_dashboard(tm, name)
    title = f"{name} ({ehak}) · E-ITS"
    row = re.compile(rf"^ {re.escape(name)}\s{{2,}}\S", re.MULTILINE)
    samples: list[float] = []
    for i in range(reps):
        t0 = time.perf_counter()
        tm.press("Enter")
        seconds, _ = tm.wait(lambda s: s.lstrip().startswith(title) and MEASURE_ROW.search(s), t0=t0, what=title)
        samples.append(seconds)
        time.sleep(KEY_PAUSE * 2)  # the measure detail of the first row loads after the table shows
        if i < reps - 1:
            tm.press("Escape")
            tm.wait(row.search, what="the dashboard again", poll=0.005)
            time.sleep(KEY_PAUSE)
    return summary(samples)


def bench_status_keys(tm: Tmux, presses: int) -> dict[str, Any]:
    """`r` / `e` alternately on the first measure; each until its row shows the new label."""
    screen = tm.screen()
    match = MEASURE_ROW.search(screen)
    if match is None:
        raise BenchError(f"no measure row in the workspace:\n{screen}")
    code, cell = match.group(1), match.group(2)
    key = "e" if cell.startswith("implemented") else "r"
    samples: list[float] = []
    seen: dict[str, set[str]] = {"r": set(), "e": set()}
    for _ in range(presses):
        before = cell
        t0 = time.perf_counter()
        tm.press(key)
        seconds, screen = tm.wait(
            lambda s, before=before: cell_of(s, code) not in (before, None), t0=t0, what=f"{code} after {key}"
        )
        cell = cell_of(screen, code) or ""
        seen[key].add(cell)
        samples.append(seconds)
        key = "e" if key == "r" else "r"
        time.sleep(KEY_PAUSE)
    if seen["r"] & seen["e"]:
        raise BenchError(f"r and e showed the same label: {seen}")
    return {**summary(samples), "measure": code, "labels": {k: sorted(v) for k, v in seen.items()}}


def bench_search(tm: Tmux, queries: tuple[str, ...]) -> dict[str, Any]:
    """`/`, then each query typed one character at a time; each until the count line or the list changes."""
    out: dict[str, Any] = {}
    for query in queries:
        tm.press("/")
        _, screen = tm.wait(SEARCH_COUNT.search, what="the search screen", poll=0.005)
        lines = screen.split("\n")
        first = next(i for i, line in enumerate(lines) if SEARCH_COUNT.search(line))

        def results(s: str, first: int = first) -> str:
            return "\n".join(s.split("\n")[first:])

        samples: list[float] = []
        unchanged: list[str] = []
        counts: list[str] = []
        for n in range(1, len(query) + 1):
            before = results(tm.screen())
            t0 = time.perf_counter()
            tm.type(query[n - 1])
            try:
                seconds, screen = tm.wait(
                    lambda s, before=before: results(s) != before, t0=t0, timeout=3.0, what="new results"
                )
            except BenchError:
                unchanged.append(query[:n])  # same results as the shorter query: nothing to see change
                continue
            samples.append(seconds)
            count = SEARCH_COUNT.search(results(screen))
            counts.append(f"{query[:n]}: {count.group(0) if count else '?'}")
            time.sleep(KEY_PAUSE / 2)
        out[query] = {**(summary(samples) if samples else {}), "unchanged": unchanged, "counts": counts}
        tm.press("Escape")
        tm.wait(lambda s: not SEARCH_COUNT.search(s), what="the search closed", poll=0.005)
    every = [x for q in queries for x in out[q].get("samples", [])]
    out["all"] = summary(every)
    return out


def largest_municipality(db: Path) -> tuple[str, str, int, str]:
    """(name, EHAK code, applicable measures, approach) of the standard-approach municipality with the most."""
    from sqlmodel import select

    from eits_tracker.config import load_settings
    from eits_tracker.db import models as m
    from eits_tracker.db.setup import open_database
    from eits_tracker.tracking.workspace import open_workspace

    database = open_database(load_settings(database_url=sqlite_url(db)), prepare=False)
    try:
        with database.session() as s:
            munis = s.exec(select(m.Municipality).where(m.Municipality.approach == "standard")).all()
            best = max(munis, key=lambda mu: (len(open_workspace(s, mu.id).rows), mu.name))  # type: ignore[arg-type]
            return best.name, best.ehak_code, len(open_workspace(s, best.id).rows), best.approach  # type: ignore[arg-type]
    finally:
        database.engine.dispose()


# --- report -----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value >= 0.1 else f"{value * 1000:.1f} ms"


def table(r: dict[str, Any]) -> str:
    s, o = r["start"], r["open"]
    rows: list[tuple[str, str, str, str, str]] = []

    def add(name: str, stats: dict[str, Any], target: float | None, fmt: Callable[[float], str] = _ms) -> None:
        met = "—" if target is None else ("yes" if stats["median"] <= target else "**no**")
        rows.append(
            (
                name,
                fmt(stats["median"]),
                f"{fmt(stats['min'])}–{fmt(stats['max'])}",
                "—" if target is None else f"≤ {fmt(target)}",
                met,
            )
        )

    add(f"1. start → dashboard rows ({len(s['app']['samples'])} runs)", s["app"], TARGETS["start"])
    add('1b. bare Textual app → "ready"', s["bare"], None)
    rows.append(
        (
            "1c. ratio app / bare (medians)",
            f"{s['ratio']:.2f}×",
            "—",
            f"≤ {TARGETS['start_ratio']}×",
            "yes" if s["ratio"] <= TARGETS["start_ratio"] else "**no**",
        )
    )
    add("1d. app: start → first paint (loading screen)", s["app_first_paint"], None)
    add("1e. bare: start → first paint", s["bare_first_paint"], None)
    k = r["status_key"]
    add(f"2. status key → label in row ({len(k['samples'])} presses)", k, TARGETS["status_key"])
    add(f"3. open {r['municipality']['name']} ({r['municipality']['measures']} measures) → rows", o, TARGETS["open"])
    for query, stats in r["search"].items():
        if query != "all" and "median" in stats:
            add(
                f'4. search "{query}": keystroke → results ({len(stats["samples"])} of {len(query)} changed)',
                stats,
                TARGETS["search_key"],
            )
    add("4. search, all keystrokes", r["search"]["all"], TARGETS["search_key"])
    rt = r["round_trips"]
    add("5a. screen read, control mode (used here)", rt["capture_control"], None)
    add("5b. screen read, `tmux capture-pane` process", rt["capture_process"], None)
    add("5c. send-keys, control mode", rt["send_keys_control"], None)

    def mib(v: float) -> str:
        return f"{v:.0f} MiB"

    add("6a. peak RSS after start (dashboard)", s["peak_rss_after_start_mib"], None, mib)
    rows.append(("6b. peak RSS at the end of the session", mib(r["peak_rss_end_mib"]), "—", "—", "—"))
    lines = ["| scenario | median | min–max | target | met? |", "|---|---:|---:|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="start-ups per app and openings (default 7)")
    parser.add_argument("--presses", type=int, default=40, help="status key presses (default 40)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions, 12 presses, one search query")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    parser.add_argument("--db", type=Path, help="a demo database to copy (default: made with `eits-tracker demo`)")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.presses = 3, 12
    if args.reps < 1 or args.presses < 2:
        parser.error("--reps must be at least 1 and --presses at least 2")
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: the TUI benchmark drives the app in tmux (apt-get install tmux).")
    queries = QUERIES[:1] if args.quick else QUERIES

    started = time.perf_counter()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="eits-bench-tui-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp)
        os.environ.pop("EITS_DATABASE_URL", None)
        os.environ.update({k: env[k] for k in ("EITS_DATA_DIR", "EITS_CONFIG_DIR", "EITS_USER")})
        for k in ("TMUX", "TMUX_PANE", "LC_ALL", "LC_CTYPE", "NO_COLOR", "EITS_LANGUAGE"):
            env.pop(k, None)
        env = {k: v for k, v in env.items() if not k.startswith("TEXTUAL")}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", PS1="$ ")

        def step(name: str) -> None:
            print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)

        demo = tmp / "demo.sqlite3"
        if args.db:  # the runner's demo database, made once per run (only ever copied here)
            copy_db(args.db, demo)
        else:
            step("demo database (eits-tracker demo)")
            done = subprocess.run(
                [venv_bin("eits-tracker"), "--database-url", sqlite_url(demo), "demo", "--end", DEMO_END.isoformat()],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise SystemExit(f"eits-tracker demo failed: {done.stderr.strip()[-2000:]}")
        name, ehak, n_measures, approach = largest_municipality(demo)

        results: dict[str, Any] = {
            "municipality": {"name": name, "ehak": ehak, "measures": n_measures, "approach": approach}
        }
        tm = Tmux(env)
        try:
            tm.start()
            step(f"1. start-up, {args.reps} runs each (+1 warm-up)")
            results["start"] = bench_start(tm, copy_db(demo, tmp / "start.sqlite3"), args.reps)

            session_db = copy_db(demo, tmp / "session.sqlite3")
            run = tm.prepare(
                [venv_bin("eits-tracker"), "--database-url", sqlite_url(session_db), "--user", "bench", "--lang", "en"]
            )
            tm.press("Enter")
            tm.wait(FIRST_ROW.search, timeout=30, poll=0.01, what="the dashboard")
            step("screen round trips")
            results["round_trips"] = round_trips(tm)
            step(f"3. opening {name} ({n_measures} measures), {args.reps} times")
            results["open"] = bench_open(tm, name, ehak, args.reps)
            step(f"2. status keys, {args.presses} presses")
            results["status_key"] = bench_status_keys(tm, args.presses)
            step(f"4. search: {', '.join(queries)}")
            results["search"] = bench_search(tm, queries)
            results["peak_rss_end_mib"] = peak_rss_mib(tm.app_pid())
            tm.press("q")
            tm.wait_exit(run)
        finally:
            tm.close()
        step("done")

    text = table(results)
    total = time.perf_counter() - started
    report = {
        "benchmark": "tui",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *(argv if argv is not None else sys.argv[1:])]),
        "reps": args.reps,
        "presses": args.presses,
        "terminal": {
            "tmux": subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip(),
            "size": f"{WIDTH}x{HEIGHT}",
            "TERM": "xterm-256color",
        },
        "machine": machine(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "units": "seconds unless the key says otherwise",
        "targets": TARGETS,
        "results": results,
        "table_markdown": text,
        "total_seconds": total,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp_out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    print(text)
    print(f"\n{total:.0f} s in all; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
