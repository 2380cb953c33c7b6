"""Driving the real ``eits-tracker`` in tmux, the way a user does: keys in, screen text out.

Each test gets a private tmux server (``tmux -L <unique socket>``, no user config), killed in
teardown, with one detached pane running ``sh``. The app is typed into that shell, so what it
prints on exit and its exit code (echoed after it) stay on the pane. Nothing here sleeps for a
fixed time: :meth:`Terminal.wait_for` polls ``capture-pane`` until the screen shows what the test
expects and fails with the whole screen when it does not.

Textual draws on stderr: the app's stderr is never redirected.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: How often the screen is read while waiting.
POLL = 0.05
#: Environment variables that would make the app (or tmux) behave differently from a plain terminal.
_DROP = ("TMUX", "TMUX_PANE", "EITS_DATABASE_URL", "EITS_LANGUAGE", "EITS_USER", "LC_ALL", "LC_CTYPE", "NO_COLOR")
_runs = itertools.count(1)

Expectation = str | re.Pattern[str] | Callable[[str], object]


def eits_command() -> list[str]:
    """The installed console script beside this interpreter, or ``python -m eits_tracker``."""
    script = Path(sys.executable).parent / "eits-tracker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "eits_tracker"]


class Terminal:
    """One tmux pane of a given size with a shell in it."""

    def __init__(self, socket: str, width: int, height: int, env: dict[str, str]) -> None:
        self.socket = socket
        self.width = width
        self.height = height
        self.env = env
        self.target = "e2e"
        self.server_pid = self.socket_path = ""

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, timeout=10, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout.decode("utf-8", errors="replace")

    def start(self) -> None:
        passed = [
            a for k in ("TERM", "LANG", "EITS_CONFIG_DIR", "EITS_DATA_DIR", "PS1") for a in ("-e", f"{k}={self.env[k]}")
        ]
        size = ("-x", str(self.width), "-y", str(self.height))
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", self.target, *size, *passed, "sh")
        self.server_pid, self.socket_path = self.tmux("display-message", "-p", "#{pid} #{socket_path}").split()
        # The pane must really have the size asked for: every layout assertion depends on it.
        shown = self.tmux("display-message", "-p", "-t", self.target, "#{pane_width}x#{pane_height}").strip()
        assert shown == f"{self.width}x{self.height}", f"tmux pane is {shown}, not {self.width}x{self.height}"

    def kill(self) -> None:
        """The tmux server and everything in it (the shell, an app still running) ends; its socket file goes."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, check=False)
        if self.server_pid:
            _end_process(int(self.server_pid), self.socket)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)  # tmux 3.3 leaves it behind

    # --- keys and screen -----------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """tmux key names: ``Enter``, ``Escape``, ``r``, ``C-s`` …"""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Literal text, character by character as a user would type it."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def screen(self, *, styled: bool = False) -> str:
        """The visible screen as text; ``styled`` keeps the colours (SGR escapes), which show focus."""
        return self.tmux("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.target)

    def lines(self) -> list[str]:
        return self.screen().split("\n")[: self.height]

    def footer(self) -> str:
        return self.lines()[-1]

    def wait_for(self, expected: Expectation, *, timeout: float = 15.0, what: str = "") -> str:
        """Poll the screen until ``expected`` (text, regex or predicate) shows; return that screen."""
        check = _matcher(expected)
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(
                    f"after {timeout:.0f} s the screen still does not show {what or expected!r}:\n"
                    + _framed(screen, self.width)
                )
            time.sleep(POLL)

    # --- the app -------------------------------------------------------------------------

    def launch(self, *args: str) -> int:
        """Type ``eits-tracker ARGS`` into the shell; returns the run number for :meth:`wait_exit`."""
        run = next(_runs)
        self.tmux("clear-history", "-t", self.target)
        # The marker is echoed only once the app has ended; the typed command line shows "$?", not digits.
        line = f"clear; {shlex.join([*eits_command(), *args])}; echo EITS-RUN-{run}-EXIT:$?"
        self.type(line)
        self.press("Enter")
        return run

    def wait_exit(self, run: int, *, timeout: float = 15.0) -> int:
        pattern = re.compile(rf"EITS-RUN-{run}-EXIT:(\d+)")
        screen = self.wait_for(pattern, timeout=timeout, what="the app to end (exit marker)")
        match = pattern.search(screen)
        assert match is not None
        return int(match.group(1))


def _end_process(pid: int, marker: str, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, for a process we started, while its command line still holds ``marker``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if marker.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return  # gone (and the id perhaps reused)
            os.kill(pid, sig)
        except (ProcessLookupError, FileNotFoundError):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)


def _matcher(expected: Expectation) -> Callable[[str], object]:
    if isinstance(expected, str):
        return lambda screen: expected in screen
    if isinstance(expected, re.Pattern):
        return expected.search
    return expected


def _framed(screen: str, width: int) -> str:
    rule = "+" + "-" * width + "+"
    return "\n".join([rule, *(f"|{line}" for line in screen.rstrip("\n").split("\n")), rule])


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    """A factory of tmux panes (``terminal(120, 40)``); every tmux server it started is killed at the end."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: the e2e tests drive the real app in tmux (apt-get install tmux)")
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith("TEXTUAL")}
    # EITS_CONFIG_DIR / EITS_DATA_DIR come from the autouse _isolated_dirs fixture: both inside tmp_path.
    env.update(TERM="xterm-256color", LANG="C.UTF-8", PS1="$ ")
    started: list[Terminal] = []

    def make(width: int, height: int) -> Terminal:
        term = Terminal(f"eits-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}", width, height, env)
        started.append(term)
        term.start()
        return term

    yield make
    for term in started:
        term.kill()


@pytest.fixture
def prepared_db(sqlite_template: Path, tmp_path: Path) -> Path:
    """A migrated database with the catalogue and the 79 municipalities, no statuses (not a first start)."""
    path = tmp_path / "eits.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path
