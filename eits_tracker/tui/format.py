"""Small text renderings shared by the screens: percentages, bars, deltas, status cells."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from eits_tracker.tui.i18n import _, level_label, status_label

STATUS_STYLE = {
    "implemented": "bold green",
    "partial": "yellow",
    "not_implemented": "red",
    "not_applicable": "dim",
    "risk_accepted": "magenta",
    "not_assessed": "dim italic",
}
LEVEL_STYLE = {0: "red", 1: "dark_orange", 2: "yellow", 3: "green_yellow", 4: "green", 5: "bold green"}


def pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100):d}%"


def bar(value: float | None, width: int = 8) -> str:
    if value is None:
        return "·" * width
    filled = round(max(0.0, min(1.0, value)) * width)
    return "█" * filled + "░" * (width - filled)


def delta_pp(value: float | None) -> Text:
    """A change in fulfilment, in percentage points."""
    if value is None:
        return Text("")
    points = round(value * 100)
    if points == 0:
        return Text("±0", style="dim")
    return Text(f"{points:+d}", style="green" if points > 0 else "red")


def delta_level(value: int | None) -> Text:
    if not value:
        return Text("")
    return Text(("▲" if value > 0 else "▼") + str(abs(value)), style="green" if value > 0 else "red")


def level_cell(level: int) -> Text:
    return Text(str(level), style=LEVEL_STYLE.get(level, ""))


def status_cell(status: str, *, short: bool = False) -> Text:
    return Text(short_status(status) if short else status_label(status), style=STATUS_STYLE.get(status, ""))


def short_status(status: str) -> str:
    """At most 12 characters: the measure table is narrow on an 80-column terminal."""
    return {
        "implemented": _("implemented"),
        "partial": _("partial"),
        "not_implemented": _("not impl."),
        "not_applicable": _("n/a"),
        "risk_accepted": _("risk acc."),
        "not_assessed": _("not assessed"),
    }.get(status, status)


def level_short(level: str) -> str:
    return level_label(level)


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def short_county(county: str) -> str:
    return county.removesuffix(" maakond").removesuffix(" County")


def overdue_cell(count: int) -> Text:
    """Overdue follow-ups: nothing when none, a red number otherwise."""
    return Text(str(count), style="bold red") if count else Text("")
